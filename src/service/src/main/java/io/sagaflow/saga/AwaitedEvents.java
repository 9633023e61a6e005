package io.sagaflow.saga;

import java.io.IOException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.SagaHeaders;
import io.sagaflow.database.DuplicateKeys;
import io.sagaflow.errors.ConflictException;
import io.sagaflow.errors.DomainException;
import io.sagaflow.errors.InvalidInputException;
import io.sagaflow.errors.NotFoundException;
import io.sagaflow.messaging.InboundMessage;
import io.sagaflow.messaging.PoisonMessageException;
import io.sagaflow.messaging.TransactionalConsumer;
import org.camunda.bpm.engine.MismatchingMessageCorrelationException;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.camunda.bpm.engine.RuntimeService;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Events a saga waits for that are not replies to its steps: a message catch event (after an
 * event-based gateway that races it with a timer) or a receive task, such as "bank confirmed the
 * transfer". The event's name is the BPMN message's name; it is delivered to one saga by id, with
 * {@code POST /api/sagas/{id}/events/{name}} or over AMQP ({@value #CONSUMER}).
 *
 * <p>Exactly once per event id: the row in {@code sagaflow.saga_event} (primary key saga and event
 * id) commits with the engine's correlation, so a repeated delivery finds it and moves nothing; two
 * deliveries of one event at the same moment meet at the primary key, and the loser then finds the
 * winner's row. An event the saga is not waiting for (not yet, no longer, or never) is refused, not
 * kept: the caller retries (REST 409) or the message is parked with the reason.
 */
@Component
class AwaitedEvents implements TransactionalConsumer.Handler {

    static final String CONSUMER = "orchestrator-saga-events";
    static final int MAX_EVENT_ID_LENGTH = 200;
    static final int MAX_NAME_LENGTH = 255;

    /** A correlation that lost a race with a reply to the same saga is tried again, this many times in all. */
    private static final int MAX_ATTEMPTS = 5;
    private static final TypeReference<LinkedHashMap<String, Object>> JSON_OBJECT = new TypeReference<>() { };

    /**
     * The answer to a delivery.
     *
     * @param duplicate {@code true} if the saga had this event already; this delivery moved nothing
     */
    record Delivery(String sagaId, String name, String eventId, boolean duplicate) {
    }

    private final JdbcTemplate jdbc;
    private final RuntimeService runtime;
    private final SagaRegistry registry;
    private final Sagas sagas;
    private final ObjectMapper objectMapper;
    private final Clock clock;
    /** NESTED: its own transaction for a REST call, a savepoint in an AMQP consumer's. */
    private final TransactionTemplate deliveryTransaction;

    AwaitedEvents(JdbcTemplate jdbc, RuntimeService runtime, SagaRegistry registry, Sagas sagas,
                  ObjectMapper objectMapper, Clock clock, PlatformTransactionManager transactionManager) {
        this.jdbc = jdbc;
        this.runtime = runtime;
        this.registry = registry;
        this.sagas = sagas;
        this.objectMapper = objectMapper;
        this.clock = clock;
        this.deliveryTransaction = new TransactionTemplate(transactionManager);
        this.deliveryTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
    }

    /**
     * Delivers the event to the saga, which moves on in this call (to its next wait) with the
     * event's variables set.
     *
     * @param visibleTo {@code null} for anyone, else only a saga this caller started (another's is
     *     "not found", as in {@code GET /api/sagas/{id}})
     * @throws NotFoundException no such saga (for this caller)
     * @throws ConflictException the saga is not waiting for this event, or has ended, or had this
     *     event id under another name
     */
    Delivery deliver(String sagaId, String name, String eventId, Map<String, Object> variables, String visibleTo) {
        requireText("name", name, MAX_NAME_LENGTH);
        requireText("eventId", eventId, MAX_EVENT_ID_LENGTH);
        Map<String, Object> eventVariables = sagas.toVariables(variables == null ? Map.of() : variables);
        for (int attempt = 1; ; attempt++) {
            try {
                return deliveryTransaction.execute(status -> deliverOnce(sagaId, name, eventId, eventVariables,
                        visibleTo));
            } catch (MismatchingMessageCorrelationException notWaiting) {
                throw ConflictException.onField("name", "saga " + sagaId + " is not waiting for event '" + name
                        + "' (not yet, or no longer): deliver it while the saga waits for it");
            } catch (OptimisticLockingException raced) {
                // Another delivery or a reply moved the saga at the same moment: the next attempt sees it.
                if (attempt == MAX_ATTEMPTS) {
                    throw new ConflictException("saga " + sagaId + " changed while event '" + name
                            + "' was delivered; deliver it again", Map.of("sagaId", sagaId));
                }
            } catch (RuntimeException e) {
                if (!DuplicateKeys.isCause(e) || attempt == MAX_ATTEMPTS) {
                    throw e;
                }
                // The same event id delivered at the same moment: the winner's row is there now.
            }
        }
    }

    private Delivery deliverOnce(String sagaId, String name, String eventId, Map<String, Object> variables,
                                 String visibleTo) {
        SagaRegistry.SagaRecord saga = registry.find(sagaId)
                .filter(found -> visibleTo == null || visibleTo.equals(found.startedBy()))
                .orElseThrow(() -> new NotFoundException("no saga with id '" + sagaId + "'"));
        Optional<String> delivered = deliveredName(sagaId, eventId);
        if (delivered.isPresent()) {
            if (!delivered.get().equals(name)) {
                throw ConflictException.onField("eventId", "event id '" + eventId + "' was delivered to saga "
                        + sagaId + " as event '" + delivered.get() + "'; an event id names one event");
            }
            return new Delivery(sagaId, name, eventId, true);
        }
        if (runtime.createProcessInstanceQuery().processInstanceId(sagaId).count() == 0) {
            throw new ConflictException("saga " + sagaId + " has ended (" + saga.status() + "); it waits for no event",
                    Map.of("sagaId", sagaId));
        }
        jdbc.update("INSERT INTO sagaflow.saga_event (saga_id, event_id, name, delivered_at) VALUES (?, ?, ?, ?)",
                sagaId, eventId, name, Timestamp.from(clock.instant()));
        runtime.createMessageCorrelation(name).processInstanceId(sagaId).setVariables(variables)
                .correlateWithResult();
        return new Delivery(sagaId, name, eventId, false);
    }

    private Optional<String> deliveredName(String sagaId, String eventId) {
        List<String> names = jdbc.queryForList("SELECT name FROM sagaflow.saga_event WHERE saga_id = ? AND event_id = ?",
                String.class, sagaId, eventId);
        return names.stream().findFirst();
    }

    // --- over AMQP: the event's name is the message type, its id the message id ---

    /**
     * An event published to {@code sagaflow.saga-events} (any routing key): type = the event's name,
     * message id = its event id, header {@value SagaHeaders#SAGA_ID} = the saga, body = a JSON object
     * of variables (or empty). An event the saga does not wait for, or for no saga, is parked with the
     * reason; a repeated one is acknowledged and moves nothing.
     */
    @Override
    public void handle(InboundMessage message) {
        String sagaId = message.requiredHeader(SagaHeaders.SAGA_ID);
        if (message.type() == null || message.type().isBlank()) {
            throw new PoisonMessageException("a saga event without a type: the type is the event's name");
        }
        if (message.messageId() == null || message.messageId().isBlank()) {
            throw new PoisonMessageException("a saga event without a message id: the message id is the event id");
        }
        Map<String, Object> variables = variables(message.body());
        try {
            deliver(sagaId, message.type(), message.messageId(), variables, null);
        } catch (DomainException refused) {
            throw new PoisonMessageException("event '" + message.type() + "' for saga " + sagaId + " refused: "
                    + refused.getMessage(), refused);
        }
    }

    private Map<String, Object> variables(String body) {
        if (body == null || body.isBlank()) {
            return Map.of();
        }
        try {
            Map<String, Object> variables = objectMapper.readValue(body, JSON_OBJECT);
            return variables == null ? Map.of() : variables;
        } catch (IOException e) {
            throw new PoisonMessageException("a saga event's body is not a JSON object: " + e.getMessage(), e);
        }
    }

    private static void requireText(String field, String value, int maxLength) {
        if (value == null || value.isBlank()) {
            throw new InvalidInputException(field, "is required");
        }
        if (value.length() > maxLength) {
            throw new InvalidInputException(field, "is " + value.length() + " characters long; at most " + maxLength);
        }
    }
}
