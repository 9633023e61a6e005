package io.sagaflow.examples.hotel;

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
 * The hotel service's local transactions. Booking records a room in the trip's city for a number
 * of nights; cancelling marks it cancelled. There are no rooms in {@value #NO_ROOMS_CITY} (a
 * reproducible business rejection), and a stay lasts 1 to {@value #MAX_NIGHTS} nights.
 */
@Component
class HotelBookings {

    static final String NO_ROOMS_CITY = "Atlantis";
    static final long MAX_NIGHTS = 90;
    static final int MAX_TEXT = 255;

    private final JdbcTemplate jdbc;
    private final Clock clock;

    HotelBookings(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    record HotelBooking(String bookingId, String tripId, String customerId, String city, long nights, String status,
                        Instant createdAt) {
    }

    ReplyBody book(Command command) {
        String tripId = command.text("tripId");
        String customerId = command.text("customerId");
        String city = command.text("city");
        long nights = command.wholeNumber("nights");
        if (tripId.length() > MAX_TEXT || customerId.length() > MAX_TEXT || city.length() > MAX_TEXT) {
            return ReplyBody.businessFailure("tripId, customerId and city may have at most " + MAX_TEXT
                    + " characters");
        }
        if (nights < 1 || nights > MAX_NIGHTS) {
            return ReplyBody.businessFailure("a stay lasts 1 to " + MAX_NIGHTS + " nights, not " + nights);
        }
        if (NO_ROOMS_CITY.equalsIgnoreCase(city.trim())) {
            return ReplyBody.businessFailure("no hotel room available in " + city);
        }
        String bookingId = UUID.randomUUID().toString();
        jdbc.update("""
                INSERT INTO hotel.booking (saga_id, booking_id, trip_id, customer_id, city, nights, status, created_at)
                VALUES (?, ?, ?, ?, ?, ?, 'BOOKED', ?)
                """, command.sagaId(), bookingId, tripId, customerId, city, nights, Timestamp.from(clock.instant()));
        return ReplyBody.success(Map.of("hotelBookingId", bookingId));
    }

    ReplyBody cancel(Command command) {
        jdbc.update("UPDATE hotel.booking SET status = 'CANCELLED' WHERE saga_id = ? AND status = 'BOOKED'",
                command.sagaId());
        return ReplyBody.success(Map.of());
    }

    List<HotelBooking> forTrip(String tripId) {
        return jdbc.query("""
                SELECT booking_id, trip_id, customer_id, city, nights, status, created_at
                FROM hotel.booking WHERE trip_id = ? ORDER BY created_at
                """, (rs, n) -> new HotelBooking(rs.getString("booking_id"), rs.getString("trip_id"),
                rs.getString("customer_id"), rs.getString("city"), rs.getLong("nights"), rs.getString("status"),
                rs.getTimestamp("created_at").toInstant()), tripId);
    }
}
