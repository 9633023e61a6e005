package io.sagaflow.examples.inventory;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;

import io.sagaflow.contract.ReplyBody;
import io.sagaflow.participant.Command;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The inventory service's local transactions. Reserving moves units from available to reserved;
 * releasing moves them back. Unknown SKU or too little stock is a business rejection.
 */
@Component
class Stock {

    private final JdbcTemplate jdbc;
    private final Clock clock;

    Stock(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    record StockLevel(String sku, long available, long reserved) {
    }

    ReplyBody reserve(Command command) {
        String orderId = command.text("orderId");
        String sku = command.text("sku");
        long quantity = command.wholeNumber("quantity");
        if (quantity <= 0) {
            return ReplyBody.businessFailure("quantity must be positive, was " + quantity);
        }
        int reserved = jdbc.update("""
                UPDATE inventory.stock SET available = available - ?, reserved = reserved + ?
                WHERE sku = ? AND available >= ?
                """, quantity, quantity, sku, quantity);
        if (reserved == 0) {
            return ReplyBody.businessFailure(find(sku).isPresent()
                    ? "not enough stock of " + sku + " for " + quantity + " units"
                    : "unknown SKU " + sku);
        }
        jdbc.update("""
                INSERT INTO inventory.reservation (saga_id, order_id, sku, quantity, status, created_at)
                VALUES (?, ?, ?, ?, 'RESERVED', ?)
                """, command.sagaId(), orderId, sku, quantity, Timestamp.from(clock.instant()));
        return ReplyBody.success(Map.of("reservedQuantity", quantity));
    }

    ReplyBody release(Command command) {
        jdbc.query("SELECT sku, quantity FROM inventory.reservation WHERE saga_id = ? AND status = 'RESERVED'",
                        (rs, n) -> new StockLevel(rs.getString("sku"), 0, rs.getLong("quantity")), command.sagaId())
                .forEach(reservation -> jdbc.update("""
                        UPDATE inventory.stock SET available = available + ?, reserved = reserved - ?
                        WHERE sku = ?
                        """, reservation.reserved(), reservation.reserved(), reservation.sku()));
        jdbc.update("UPDATE inventory.reservation SET status = 'RELEASED' WHERE saga_id = ? AND status = 'RESERVED'",
                command.sagaId());
        return ReplyBody.success(Map.of());
    }

    Optional<StockLevel> find(String sku) {
        return jdbc.query("SELECT sku, available, reserved FROM inventory.stock WHERE sku = ?",
                (rs, n) -> new StockLevel(rs.getString("sku"), rs.getLong("available"), rs.getLong("reserved")), sku)
                .stream().findFirst();
    }
}
