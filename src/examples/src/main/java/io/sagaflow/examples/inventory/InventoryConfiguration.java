package io.sagaflow.examples.inventory;

import io.sagaflow.examples.simulation.Simulations;
import io.sagaflow.participant.Participant;
import io.sagaflow.roles.ConditionalOnParticipantRole;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The example inventory service: reached only over AMQP, through the participant kit. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnParticipantRole("inventory")
class InventoryConfiguration {

    @Bean
    Participant inventoryParticipant(Stock stock, Simulations simulations) {
        return Participant.named("inventory")
                .handle("inventory.reserve", simulations.around(stock::reserve))
                .handle("inventory.release", simulations.around(stock::release))
                .delayReplies(simulations::replyDelay)
                .build();
    }
}
