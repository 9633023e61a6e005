package kitfixture.payment;

import java.math.BigDecimal;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;

import io.sagaflow.contract.ReplyBody;
import io.sagaflow.participant.Command;
import io.sagaflow.participant.Participant;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The order saga's payment step as a service of its own, built on the participant kit jar alone:
 * charges in its own database (schema {@code payment_kit}), the kit's inbox, barrier, parking and
 * reply outbox in schema {@code sagaflow} of that database. Amounts over 10,000 are declined.
 * {@code fixture.decline-all=true} breaks it on purpose (every charge declined), to see the test fail.
 */
@SpringBootApplication
public class KitPaymentApplication {

    static final BigDecimal CARD_LIMIT = new BigDecimal("10000");

    public static void main(String[] args) {
        SpringApplication.run(KitPaymentApplication.class, args);
    }

    @Bean
    Participant paymentParticipant(JdbcTemplate jdbc, @Value("${fixture.decline-all:false}") boolean declineAll) {
        return Participant.named("payment")
                .handle("payment.charge", command -> charge(jdbc, command, declineAll))
                .handle("payment.refund", command -> refund(jdbc, command))
                .build();
    }

    static ReplyBody charge(JdbcTemplate jdbc, Command command, boolean declineAll) {
        BigDecimal amount = command.decimal("amount");
        if (declineAll || amount.compareTo(CARD_LIMIT) > 0) {
            return ReplyBody.businessFailure("card declined: " + amount + " exceeds the limit of " + CARD_LIMIT);
        }
        jdbc.update("""
                INSERT INTO payment_kit.charge (saga_id, order_id, customer_id, amount, status, created_at)
                VALUES (?, ?, ?, ?, 'CHARGED', ?)
                """, command.sagaId(), command.text("orderId"), command.text("customerId"), amount,
                Timestamp.from(Instant.now()));
        return ReplyBody.success(Map.of("chargedAmount", amount));
    }

    static ReplyBody refund(JdbcTemplate jdbc, Command command) {
        jdbc.update("UPDATE payment_kit.charge SET status = 'REFUNDED' WHERE saga_id = ? AND status = 'CHARGED'",
                command.sagaId());
        return ReplyBody.success(Map.of());
    }
}
