package io.sagaflow.faults.sabotage;

import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.sagaflow.contract.Outcome;
import io.sagaflow.participant.CommandHandler;
import io.sagaflow.participant.Participant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Wraps the payment participant's charge handler: every {@code every}-th successful charge is
 * recorded with one more than the amount the order carried, in the same local transaction (data
 * changed on the way; the ledger and every count stay right, only the charge differs from the order).
 */
final class PaymentRecordsAnotherAmount implements BeanPostProcessor {

    private static final Logger log = LoggerFactory.getLogger(PaymentRecordsAnotherAmount.class);

    private final ObjectProvider<JdbcTemplate> jdbc;
    private final int every;
    private final AtomicLong charges = new AtomicLong();

    PaymentRecordsAnotherAmount(ObjectProvider<JdbcTemplate> jdbc, int every) {
        this.jdbc = jdbc;
        this.every = every;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof Participant participant && participant.name().equals("payment")) {
            try {
                Field handlersField = PaymentChargesTwice.handlersField();
                Map<String, CommandHandler> handlers = new HashMap<>((Map<String, CommandHandler>) handlersField.get(participant));
                CommandHandler charge = handlers.get("payment.charge");
                handlers.put("payment.charge", command -> {
                    var reply = charge.handle(command);
                    if (reply.outcome() == Outcome.SUCCESS && charges.incrementAndGet() % every == every / 2) {
                        log.warn("SABOTAGE: recording another amount for saga {}", command.sagaId());
                        jdbc.getObject().update("UPDATE payment.charge SET amount = amount + 1 WHERE saga_id = ?",
                                command.sagaId());
                    }
                    return reply;
                });
                handlersField.set(participant, Map.copyOf(handlers));
                log.warn("SABOTAGE: the payment participant records 1 in {} charges with another amount", every);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot sabotage the payment participant", e);
            }
        }
        return bean;
    }
}
