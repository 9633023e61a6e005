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
 * Wraps the payment participant's charge handler: every {@code every}-th charge is added to the
 * ledger a second time (counting successful charges), in the same local transaction (a business bug no barrier can stop).
 */
final class PaymentChargesTwice implements BeanPostProcessor {

    private static final Logger log = LoggerFactory.getLogger(PaymentChargesTwice.class);

    private final ObjectProvider<JdbcTemplate> jdbc;
    private final int every;
    private final AtomicLong charges = new AtomicLong();

    PaymentChargesTwice(ObjectProvider<JdbcTemplate> jdbc, int every) {
        this.jdbc = jdbc;
        this.every = every;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        if (bean instanceof Participant participant && participant.name().equals("payment")) {
            try {
                Field handlersField = handlersField();
                Map<String, CommandHandler> handlers = new HashMap<>((Map<String, CommandHandler>) handlersField.get(participant));
                CommandHandler charge = handlers.get("payment.charge");
                handlers.put("payment.charge", command -> {
                    var reply = charge.handle(command);
                    if (reply.outcome() == Outcome.SUCCESS && charges.incrementAndGet() % every == every / 2) {
                        log.warn("SABOTAGE: charging saga {} twice", command.sagaId());
                        jdbc.getObject().update("UPDATE payment.ledger SET charged = charged + ? WHERE customer_id = ?",
                                command.decimal("amount"), command.text("customerId"));
                    }
                    return reply;
                });
                handlersField.set(participant, Map.copyOf(handlers));
                log.warn("SABOTAGE: the payment participant charges 1 in {} twice", every);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot sabotage the payment participant", e);
            }
        }
        return bean;
    }

    /** The participant's handlers, where the sabotage goes in (SabotagesStillApplyTests keeps it there). */
    static Field handlersField() throws NoSuchFieldException {
        Field handlers = Participant.class.getDeclaredField("handlers");
        handlers.setAccessible(true);
        return handlers;
    }
}
