package io.sagaflow.examples.payment;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import io.sagaflow.contract.ReplyBody;
import io.sagaflow.participant.Command;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The payment service's local transactions: charging adds to the customer's ledger, refunding
 * records the refund. Amounts over the card limit are declined.
 */
@Component
class Payments {

    static final BigDecimal CARD_LIMIT = new BigDecimal("10000");

    private final JdbcTemplate jdbc;
    private final Clock clock;

    Payments(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    record Ledger(String customerId, BigDecimal charged, BigDecimal refunded) {
    }

    ReplyBody charge(Command command) {
        String orderId = command.text("orderId");
        String customerId = command.text("customerId");
        BigDecimal amount = command.decimal("amount");
        if (amount.signum() <= 0) {
            return ReplyBody.businessFailure("amount must be positive, was " + amount);
        }
        if (amount.compareTo(CARD_LIMIT) > 0) {
            return ReplyBody.businessFailure("card declined: " + amount + " exceeds the limit of " + CARD_LIMIT);
        }
        if (jdbc.update("UPDATE payment.ledger SET charged = charged + ? WHERE customer_id = ?", amount,
                customerId) == 0) {
            jdbc.update("INSERT INTO payment.ledger (customer_id, charged, refunded) VALUES (?, ?, 0)", customerId,
                    amount);
        }
        jdbc.update("""
                INSERT INTO payment.charge (saga_id, order_id, customer_id, amount, status, created_at)
                VALUES (?, ?, ?, ?, 'CHARGED', ?)
                """, command.sagaId(), orderId, customerId, amount, Timestamp.from(clock.instant()));
        return ReplyBody.success(Map.of("chargedAmount", amount));
    }

    ReplyBody refund(Command command) {
        List<Ledger> charges = jdbc.query(
                "SELECT customer_id, amount FROM payment.charge WHERE saga_id = ? AND status = 'CHARGED'",
                (rs, n) -> new Ledger(rs.getString("customer_id"), rs.getBigDecimal("amount"), BigDecimal.ZERO),
                command.sagaId());
        for (Ledger charge : charges) {
            jdbc.update("UPDATE payment.ledger SET refunded = refunded + ? WHERE customer_id = ?", charge.charged(),
                    charge.customerId());
        }
        jdbc.update("UPDATE payment.charge SET status = 'REFUNDED' WHERE saga_id = ? AND status = 'CHARGED'",
                command.sagaId());
        return ReplyBody.success(Map.of());
    }

    Ledger ledger(String customerId) {
        return jdbc.query("SELECT customer_id, charged, refunded FROM payment.ledger WHERE customer_id = ?",
                        (rs, n) -> new Ledger(rs.getString("customer_id"), rs.getBigDecimal("charged"),
                                rs.getBigDecimal("refunded")), customerId)
                .stream().findFirst()
                .orElse(new Ledger(customerId, BigDecimal.ZERO, BigDecimal.ZERO));
    }
}
