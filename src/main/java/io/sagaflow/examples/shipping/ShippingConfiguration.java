package io.sagaflow.examples.shipping;

import io.sagaflow.examples.simulation.Simulations;
import io.sagaflow.participant.Participant;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The example shipping service: reached only over AMQP, through the participant kit. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "sagaflow.examples.enabled", havingValue = "true", matchIfMissing = true)
class ShippingConfiguration {

    @Bean
    Participant shippingParticipant(Shipments shipments, Simulations simulations) {
        return Participant.named("shipping")
                .handle("shipping.schedule", simulations.around(shipments::schedule))
                .handle("shipping.cancel", simulations.around(shipments::cancel))
                .delayReplies(simulations::replyDelay)
                .build();
    }
}
