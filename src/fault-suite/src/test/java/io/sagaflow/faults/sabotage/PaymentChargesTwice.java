package io.sagaflow.faults.sabotage;

import io.sagaflow.participant.Command;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.JdbcTemplate;

/** Every {@code every}-th successful charge is added to the customer's ledger a second time. */
final class PaymentChargesTwice extends PaymentChargeSabotage {

    PaymentChargesTwice(ObjectProvider<JdbcTemplate> jdbc, int every) {
        super(jdbc, every);
    }

    @Override
    void damage(Command command, JdbcTemplate jdbc) {
        jdbc.update("UPDATE payment.ledger SET charged = charged + ? WHERE customer_id = ?",
                command.decimal("amount"), command.text("customerId"));
    }

    @Override
    String what() {
        return "charging twice";
    }
}
