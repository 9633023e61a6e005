package io.sagaflow.examples.flight;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.sagaflow.contract.ReplyBody;
import io.sagaflow.participant.Command;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The airline's local transactions. Booking records a seat from one airport to another (IATA
 * codes, e.g. BER, LIS); cancelling marks it cancelled. Flights to {@value #SOLD_OUT_DESTINATION}
 * have no seats left (a reproducible business rejection).
 */
@Component
class FlightBookings {

    static final String SOLD_OUT_DESTINATION = "XXX";
    static final int MAX_TEXT = 255;

    private final JdbcTemplate jdbc;
    private final Clock clock;

    FlightBookings(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    record FlightBooking(String bookingId, String tripId, String customerId, String from, String to, String status,
                         Instant createdAt) {
    }

    ReplyBody book(Command command) {
        String tripId = command.text("tripId");
        String customerId = command.text("customerId");
        String from = command.text("from");
        String to = command.text("to");
        if (tripId.length() > MAX_TEXT || customerId.length() > MAX_TEXT) {
            return ReplyBody.businessFailure("tripId and customerId may have at most " + MAX_TEXT + " characters");
        }
        if (!from.matches("[A-Z]{3}") || !to.matches("[A-Z]{3}")) {
            return ReplyBody.businessFailure("from and to must be IATA airport codes, were " + from + " and " + to);
        }
        if (from.equals(to)) {
            return ReplyBody.businessFailure("no flight from " + from + " to itself");
        }
        if (SOLD_OUT_DESTINATION.equals(to)) {
            return ReplyBody.businessFailure("no seats left on flights to " + to);
        }
        // A seat for one passenger of many (a multi-instance step) needs the passenger's name.
        if (command.payload().has("passenger") && command.payload().get("passenger").asText().isBlank()) {
            return ReplyBody.businessFailure("a seat needs the passenger's name");
        }
        String bookingId = UUID.randomUUID().toString();
        // One booking per step: each instance of a multi-instance step ("a seat for each passenger")
        // is a step of its own (Task_BookSeat#0, #1, ...).
        jdbc.update("""
                INSERT INTO flight.booking
                    (saga_id, step, booking_id, trip_id, customer_id, origin, destination, status, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'BOOKED', ?)
                """, command.sagaId(), command.step(), bookingId, tripId, customerId, from, to,
                Timestamp.from(clock.instant()));
        return ReplyBody.success(Map.of("flightBookingId", bookingId));
    }

    ReplyBody cancel(Command command) {
        jdbc.update("UPDATE flight.booking SET status = 'CANCELLED' WHERE saga_id = ? AND step = ? AND status = 'BOOKED'",
                command.sagaId(), command.step());
        return ReplyBody.success(Map.of());
    }

    List<FlightBooking> forTrip(String tripId) {
        return jdbc.query("""
                SELECT booking_id, trip_id, customer_id, origin, destination, status, created_at
                FROM flight.booking WHERE trip_id = ? ORDER BY created_at
                """, (rs, n) -> new FlightBooking(rs.getString("booking_id"), rs.getString("trip_id"),
                rs.getString("customer_id"), rs.getString("origin"), rs.getString("destination"),
                rs.getString("status"), rs.getTimestamp("created_at").toInstant()), tripId);
    }
}
