package io.sagaflow.examples.shipping;

import io.sagaflow.examples.simulation.Simulations;
import io.sagaflow.participant.Participant;
import io.sagaflow.roles.ConditionalOnParticipantRole;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The example shipping service: reached only over AMQP, through the participant kit. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnParticipantRole("shipping")
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
