package io.sagaflow.examples.hotel;

import io.sagaflow.examples.simulation.Simulations;
import io.sagaflow.participant.Participant;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The example hotel service of the trip saga: reached only over AMQP, through the participant kit. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "sagaflow.examples.enabled", havingValue = "true", matchIfMissing = true)
class HotelConfiguration {

    @Bean
    Participant hotelParticipant(HotelBookings bookings, Simulations simulations) {
        return Participant.named("hotel")
                .handle("hotel.book", simulations.around(bookings::book))
                .handle("hotel.cancel", simulations.around(bookings::cancel))
                .delayReplies(simulations::replyDelay)
                .build();
    }
}
