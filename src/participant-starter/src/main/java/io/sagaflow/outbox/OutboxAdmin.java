package io.sagaflow.outbox;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/** What operators and health checks need to know about the outbox, and the one repair: re-queue. */
@Component
public class OutboxAdmin {

    private final JdbcTemplate jdbc;
    private final Outbox outbox;
    private final OutboxRelay relay;
    private final Clock clock;

    OutboxAdmin(JdbcTemplate jdbc, Outbox outbox, OutboxRelay relay, Clock clock) {
        this.jdbc = jdbc;
        this.outbox = outbox;
        this.relay = relay;
        this.clock = clock;
    }

    /** A row the relay gave up on. */
    public record FailedMessage(String messageId, String exchange, String routingKey, String type, int attempts,
                                String lastError, Instant createdAt) {
    }

    /** Backlog of the relay: how many rows wait and how long the oldest has waited. */
    public record Backlog(long pending, Duration oldestPendingAge, long failed) {
    }

    public List<FailedMessage> failed(int limit) {
        return jdbc.query("""
                SELECT message_id, exchange, routing_key, message_type, attempts, last_error, created_at
                FROM sagaflow.outbox_message WHERE status = 'FAILED' ORDER BY seq LIMIT ?
                """, (rs, n) -> new FailedMessage(rs.getString("message_id"), rs.getString("exchange"),
                rs.getString("routing_key"), rs.getString("message_type"), rs.getInt("attempts"),
                rs.getString("last_error"), rs.getTimestamp("created_at").toInstant()), limit);
    }

    public boolean requeue(String messageId) {
        boolean requeued = jdbc.update("""
                UPDATE sagaflow.outbox_message
                SET status = 'PENDING', attempts = 0, next_attempt_at = ?, last_error = NULL
                WHERE message_id = ? AND status = 'FAILED'
                """, Timestamp.from(clock.instant()), messageId) == 1;
        if (requeued) {
            wakeRelayAfterCommit();
        }
        return requeued;
    }

    /**
     * Publishes a message again under its original message id, in the caller's transaction. The
     * outbox keeps each message id once, so a message this outbox sent before (e.g. a reply that was
     * parked on arrival) is reset to PENDING with the new routing instead of inserted twice.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void republish(OutboxMessage message) {
        int reset = jdbc.update("""
                UPDATE sagaflow.outbox_message
                SET exchange = ?, routing_key = ?, message_type = ?, correlation_id = ?, reply_to = ?,
                    headers = ?, payload = ?, status = 'PENDING', attempts = 0, last_error = NULL,
                    next_attempt_at = ?, sent_at = NULL
                WHERE message_id = ?
                """, message.exchange(), message.routingKey(), message.type(), message.correlationId(),
                message.replyTo(), outbox.headersJson(message), message.payload(), Timestamp.from(clock.instant()),
                message.messageId());
        if (reset == 0) {
            outbox.append(message);
        } else {
            relay.wakeUp();
        }
    }

    /** Whether the message still waits in the outbox: written, not yet confirmed by the broker. */
    public boolean isPending(String messageId) {
        Integer count = jdbc.queryForObject(
                "SELECT COUNT(*) FROM sagaflow.outbox_message WHERE message_id = ? AND status = 'PENDING'",
                Integer.class, messageId);
        return count != null && count > 0;
    }

    /**
     * How far behind the relay is: the time since the longest-due PENDING row became due (zero if
     * none is due). A row waiting in its retry backoff is not due yet, so it does not count.
     */
    public Duration relayLag() {
        Timestamp oldestDue = jdbc.queryForObject(
                "SELECT MIN(next_attempt_at) FROM sagaflow.outbox_message WHERE status = 'PENDING'", Timestamp.class);
        if (oldestDue == null) {
            return Duration.ZERO;
        }
        Duration lag = Duration.between(oldestDue.toInstant(), clock.instant());
        return lag.isNegative() ? Duration.ZERO : lag;
    }

    /** In a transaction (an audited repair), the relay would look before the row is PENDING for it. */
    private void wakeRelayAfterCommit() {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    relay.wakeUp();
                }
            });
        } else {
            relay.wakeUp();
        }
    }

    /** The saga (ordering key) of an outbox row, if it has one. */
    public String sagaOf(String messageId) {
        List<String> keys = jdbc.queryForList("SELECT ordering_key FROM sagaflow.outbox_message WHERE message_id = ?",
                String.class, messageId);
        return keys.isEmpty() ? null : keys.get(0);
    }

    public boolean exists(String messageId) {
        Integer count = jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.outbox_message WHERE message_id = ?",
                Integer.class, messageId);
        return count != null && count > 0;
    }

    public Backlog backlog() {
        return jdbc.queryForObject("""
                SELECT (SELECT COUNT(*) FROM sagaflow.outbox_message WHERE status = 'PENDING') AS pending,
                       (SELECT MIN(created_at) FROM sagaflow.outbox_message WHERE status = 'PENDING') AS oldest,
                       (SELECT COUNT(*) FROM sagaflow.outbox_message WHERE status = 'FAILED') AS failed
                """, (rs, n) -> {
            Timestamp oldest = rs.getTimestamp("oldest");
            return new Backlog(rs.getLong("pending"),
                    oldest == null ? Duration.ZERO : Duration.between(oldest.toInstant(), clock.instant()),
                    rs.getLong("failed"));
        });
    }
}
