package io.sagaflow.examples.car;

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
 * The car rental service's local transactions. Reserving records a car for the trip's city and
 * days; cancelling marks it cancelled. There are no cars in {@value #NO_CARS_CITY} (a reproducible
 * business rejection), and the rental must last 1 to {@value #MAX_DAYS} days.
 */
@Component
class CarRentals {

    static final String NO_CARS_CITY = "Atlantis";
    static final long MAX_DAYS = 90;
    static final int MAX_TEXT = 255;

    private final JdbcTemplate jdbc;
    private final Clock clock;

    CarRentals(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    record CarReservation(String reservationId, String tripId, String customerId, String city, long days,
                          String status, Instant createdAt) {
    }

    ReplyBody reserve(Command command) {
        String tripId = command.text("tripId");
        String customerId = command.text("customerId");
        String city = command.text("city");
        long days = command.wholeNumber("days");
        if (tripId.length() > MAX_TEXT || customerId.length() > MAX_TEXT || city.length() > MAX_TEXT) {
            return ReplyBody.businessFailure("tripId, customerId and city may have at most " + MAX_TEXT
                    + " characters");
        }
        if (days < 1 || days > MAX_DAYS) {
            return ReplyBody.businessFailure("a car can be rented for 1 to " + MAX_DAYS + " days, not " + days);
        }
        if (NO_CARS_CITY.equalsIgnoreCase(city.trim())) {
            return ReplyBody.businessFailure("no car available in " + city);
        }
        String reservationId = UUID.randomUUID().toString();
        jdbc.update("""
                INSERT INTO car.reservation
                    (saga_id, reservation_id, trip_id, customer_id, city, rental_days, status, created_at)
                VALUES (?, ?, ?, ?, ?, ?, 'RESERVED', ?)
                """, command.sagaId(), reservationId, tripId, customerId, city, days, Timestamp.from(clock.instant()));
        return ReplyBody.success(Map.of("carReservationId", reservationId));
    }

    ReplyBody cancel(Command command) {
        jdbc.update("UPDATE car.reservation SET status = 'CANCELLED' WHERE saga_id = ? AND status = 'RESERVED'",
                command.sagaId());
        return ReplyBody.success(Map.of());
    }

    List<CarReservation> forTrip(String tripId) {
        return jdbc.query("""
                SELECT reservation_id, trip_id, customer_id, city, rental_days, status, created_at
                FROM car.reservation WHERE trip_id = ? ORDER BY created_at
                """, (rs, n) -> new CarReservation(rs.getString("reservation_id"), rs.getString("trip_id"),
                rs.getString("customer_id"), rs.getString("city"), rs.getLong("rental_days"), rs.getString("status"),
                rs.getTimestamp("created_at").toInstant()), tripId);
    }
}
