package io.sagaflow.examples.car;

import io.sagaflow.participant.Participant;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The example car rental service of the trip saga: reached only over AMQP, through the participant kit. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "sagaflow.examples.enabled", havingValue = "true", matchIfMissing = true)
class CarConfiguration {

    @Bean
    Participant carParticipant(CarRentals rentals) {
        return Participant.named("car")
                .handle("car.reserve", rentals::reserve)
                .handle("car.cancel", rentals::cancel)
                .build();
    }
}
