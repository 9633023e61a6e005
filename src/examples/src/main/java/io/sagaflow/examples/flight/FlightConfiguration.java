package io.sagaflow.examples.flight;

import io.sagaflow.examples.simulation.Simulations;
import io.sagaflow.participant.Participant;
import io.sagaflow.roles.ConditionalOnParticipantRole;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The example airline of the trip saga: reached only over AMQP, through the participant kit. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnParticipantRole("flight")
class FlightConfiguration {

    @Bean
    Participant flightParticipant(FlightBookings bookings, Simulations simulations) {
        return Participant.named("flight")
                .handle("flight.book", simulations.around(bookings::book))
                .handle("flight.cancel", simulations.around(bookings::cancel))
                .delayReplies(simulations::replyDelay)
                .build();
    }
}
