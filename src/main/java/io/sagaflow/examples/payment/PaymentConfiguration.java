package io.sagaflow.examples.payment;

import io.sagaflow.participant.Participant;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The example payment service: reached only over AMQP, through the participant kit. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "sagaflow.examples.enabled", havingValue = "true", matchIfMissing = true)
class PaymentConfiguration {

    @Bean
    Participant paymentParticipant(Payments payments) {
        return Participant.named("payment")
                .handle("payment.charge", payments::charge)
                .handle("payment.refund", payments::refund)
                .build();
    }
}
