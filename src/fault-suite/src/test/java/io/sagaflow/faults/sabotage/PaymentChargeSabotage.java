package io.sagaflow.faults.sabotage;

import java.lang.reflect.Field;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import io.sagaflow.contract.Outcome;
import io.sagaflow.participant.Command;
import io.sagaflow.participant.CommandHandler;
import io.sagaflow.participant.Participant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A business bug in the payment participant: its charge handler runs as written, then every
 * {@code every}-th successful charge gets {@link #damage} in the same local transaction (so no
 * barrier or inbox can stop it).
 */
abstract class PaymentChargeSabotage implements BeanPostProcessor {

    private static final Logger log = LoggerFactory.getLogger(PaymentChargeSabotage.class);

    private final ObjectProvider<JdbcTemplate> jdbc;
    private final int every;
    private final AtomicLong charges = new AtomicLong();

    PaymentChargeSabotage(ObjectProvider<JdbcTemplate> jdbc, int every) {
        this.jdbc = jdbc;
        this.every = every;
    }

    /** What goes wrong after a successful charge, in the charge's transaction. */
    abstract void damage(Command command, JdbcTemplate jdbc);

    /** For the log: what this sabotage does. */
    abstract String what();

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
                        log.warn("SABOTAGE: {} for saga {}", what(), command.sagaId());
                        damage(command, jdbc.getObject());
                    }
                    return reply;
                });
                handlersField.set(participant, Map.copyOf(handlers));
                log.warn("SABOTAGE: the payment participant: {}, 1 charge in {}", what(), every);
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
