package io.sagaflow.examples.car;

import io.sagaflow.examples.simulation.Simulations;
import io.sagaflow.participant.Participant;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The example car rental service of the trip saga: reached only over AMQP, through the participant kit. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "sagaflow.examples.enabled", havingValue = "true", matchIfMissing = true)
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
