package io.sagaflow.examples.car;

import io.sagaflow.examples.simulation.Simulations;
import io.sagaflow.participant.Participant;
import io.sagaflow.roles.ConditionalOnParticipantRole;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The example car rental service of the trip saga: reached only over AMQP, through the participant kit. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnParticipantRole("car")
class CarConfiguration {

    @Bean
    Participant carParticipant(CarRentals rentals, Simulations simulations) {
        return Participant.named("car")
                .handle("car.reserve", simulations.around(rentals::reserve))
                .handle("car.cancel", simulations.around(rentals::cancel))
                .delayReplies(simulations::replyDelay)
                .build();
    }
}
