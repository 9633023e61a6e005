package io.sagaflow.outbox;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.tracing.SagaTracing;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Writes outgoing messages into the local message table, in the caller's transaction. The message
 * exists if and only if the caller's other changes commit; the relay publishes it afterwards.
 */
@Component
public class Outbox {

    private final JdbcTemplate jdbc;
    private final ObjectMapper objectMapper;
    private final OutboxRelay relay;
    private final OutboxProperties properties;
    private final Clock clock;
    private final SagaTracing tracing;

    Outbox(JdbcTemplate jdbc, ObjectMapper objectMapper, OutboxRelay relay, OutboxProperties properties, Clock clock,
           SagaTracing tracing) {
        this.tracing = tracing;
        this.jdbc = jdbc;
        this.objectMapper = objectMapper;
        this.relay = relay;
        this.properties = properties;
        this.clock = clock;
    }

    /** A PENDING row; the relay writes one itself when it tells a saga its command cannot be delivered. */
    static final String INSERT = """
            INSERT INTO sagaflow.outbox_message (message_id, ordering_key, exchange, routing_key, message_type,
                correlation_id, reply_to, headers, payload, status, attempts, next_attempt_at, created_at, broadcast)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', 0, ?, ?, ?)
            """;

    @Transactional(propagation = Propagation.MANDATORY)
    public void append(OutboxMessage message) {
        append(message, clock.instant());
    }

    /**
     * Writes a message that the relay publishes no earlier than {@code notBefore}, with the trace
     * context of a producer span in its headers (one it already carries is kept).
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void append(OutboxMessage untraced, Instant notBefore) {
        OutboxMessage message = untraced.withHeaders(tracing.producerHeaders("send " + untraced.type(),
                untraced.headers()));
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.update(INSERT, message.messageId(), message.orderingKey(), message.exchange(), message.routingKey(),
                message.type(), message.correlationId(), message.replyTo(), headersJson(message), message.payload(),
                Timestamp.from(notBefore), now, message.broadcast());
        if (properties.wakeUpAfterCommit()) {
            wakeRelayAfterCommit();
        }
    }

    /** One wake-up per transaction, however many messages it writes. */
    private void wakeRelayAfterCommit() {
        boolean registered = TransactionSynchronizationManager.getSynchronizations().stream()
                .anyMatch(RelayWakeUp.class::isInstance);
        if (!registered) {
            TransactionSynchronizationManager.registerSynchronization(new RelayWakeUp(relay));
        }
    }

    private record RelayWakeUp(OutboxRelay relay) implements TransactionSynchronization {
        @Override
        public void afterCommit() {
            relay.wakeUp();
        }
    }

    String headersJson(OutboxMessage message) {
        try {
            return objectMapper.writeValueAsString(message.headers());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("headers of message " + message.messageId() + " are not serializable", e);
        }
    }
}
