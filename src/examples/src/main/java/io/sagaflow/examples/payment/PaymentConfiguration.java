package io.sagaflow.examples.payment;

import io.sagaflow.examples.simulation.Simulations;
import io.sagaflow.participant.Participant;
import io.sagaflow.roles.ConditionalOnParticipantRole;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The example payment service: reached only over AMQP, through the participant kit. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnParticipantRole("payment")
class PaymentConfiguration {

    @Bean
    Participant paymentParticipant(Payments payments, Simulations simulations) {
        return Participant.named("payment")
                .handle("payment.charge", simulations.around(payments::charge))
                .handle("payment.refund", simulations.around(payments::refund))
                .delayReplies(simulations::replyDelay)
                .build();
    }
}
