package io.sagaflow.examples.shipping;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import io.sagaflow.contract.ReplyBody;
import io.sagaflow.participant.Command;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** The shipping service's local transactions. Country {@code XX} is refused, as an embargo would be. */
@Component
class Shipments {

    static final Set<String> REFUSED_COUNTRIES = Set.of("XX");

    private final JdbcTemplate jdbc;
    private final Clock clock;

    Shipments(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    record Shipment(String shipmentId, String orderId, String sku, long quantity, String country, String status,
                    Instant createdAt) {
    }

    ReplyBody schedule(Command command) {
        String orderId = command.text("orderId");
        String sku = command.text("sku");
        long quantity = command.wholeNumber("quantity");
        String country = command.text("country");
        if (REFUSED_COUNTRIES.contains(country) || !country.matches("[A-Z]{2}")) {
            return ReplyBody.businessFailure("shipping to country " + country + " is refused");
        }
        String shipmentId = UUID.randomUUID().toString();
        jdbc.update("""
                INSERT INTO shipping.shipment (shipment_id, saga_id, order_id, sku, quantity, country, status, created_at)
                VALUES (?, ?, ?, ?, ?, ?, 'SCHEDULED', ?)
                """, shipmentId, command.sagaId(), orderId, sku, quantity, country, Timestamp.from(clock.instant()));
        return ReplyBody.success(Map.of("shipmentId", shipmentId));
    }

    ReplyBody cancel(Command command) {
        jdbc.update("UPDATE shipping.shipment SET status = 'CANCELLED' WHERE saga_id = ? AND status = 'SCHEDULED'",
                command.sagaId());
        return ReplyBody.success(Map.of());
    }

    List<Shipment> forOrder(String orderId) {
        return jdbc.query("""
                SELECT shipment_id, order_id, sku, quantity, country, status, created_at
                FROM shipping.shipment WHERE order_id = ? ORDER BY created_at
                """, (rs, n) -> new Shipment(rs.getString("shipment_id"), rs.getString("order_id"), rs.getString("sku"),
                rs.getLong("quantity"), rs.getString("country"), rs.getString("status"),
                rs.getTimestamp("created_at").toInstant()), orderId);
    }
}
