package io.sagaflow.examples.hotel;

import io.sagaflow.examples.simulation.Simulations;
import io.sagaflow.participant.Participant;
import io.sagaflow.roles.ConditionalOnParticipantRole;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The example hotel service of the trip saga: reached only over AMQP, through the participant kit. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnParticipantRole("hotel")
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
