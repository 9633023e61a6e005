package io.sagaflow.examples.hotel;

import io.sagaflow.participant.Participant;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The example hotel service of the trip saga: reached only over AMQP, through the participant kit. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "sagaflow.examples.enabled", havingValue = "true", matchIfMissing = true)
class HotelConfiguration {

    @Bean
    Participant hotelParticipant(HotelBookings bookings) {
        return Participant.named("hotel")
                .handle("hotel.book", bookings::book)
                .handle("hotel.cancel", bookings::cancel)
                .build();
    }
}
