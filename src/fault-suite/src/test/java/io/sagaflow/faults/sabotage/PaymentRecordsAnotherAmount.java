package io.sagaflow.faults.sabotage;

import io.sagaflow.participant.Command;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Every {@code every}-th successful charge is recorded with one more than the order's amount (data
 * changed on the way; the ledger and every count stay right, only the charge differs from the order).
 */
final class PaymentRecordsAnotherAmount extends PaymentChargeSabotage {

    PaymentRecordsAnotherAmount(ObjectProvider<JdbcTemplate> jdbc, int every) {
        super(jdbc, every);
    }

    @Override
    void damage(Command command, JdbcTemplate jdbc) {
        jdbc.update("UPDATE payment.charge SET amount = amount + 1 WHERE saga_id = ?", command.sagaId());
    }

    @Override
    String what() {
        return "recording another amount";
    }
}
