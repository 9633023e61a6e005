package io.sagaflow.outbox;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

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

    /**
     * Backlog of the relay: how many rows wait for it and how long the oldest has waited. Rows under a
     * {@link #hold} wait for an operator, not for the relay: they are counted apart ({@code held}).
     */
    public record Backlog(long pending, Duration oldestPendingAge, long failed, long held) {
    }

    /**
     * The relay leaves PENDING rows to {@code exchange} whose routing key starts with
     * {@code routingKeyPrefix} where they are until the hold is released.
     *
     * @param pendingMessages the PENDING rows it holds now
     */
    public record Hold(String exchange, String routingKeyPrefix, Instant heldSince, String heldBy, String reason,
                       boolean automatic, long pendingMessages) {
    }

    private static final String HOLDS = """
            SELECT h.exchange, h.routing_key_prefix, h.held_since, h.held_by, h.reason, h.automatic,
                   (SELECT COUNT(*) FROM sagaflow.outbox_message o
                    WHERE o.status = 'PENDING' AND o.exchange = h.exchange
                      AND LEFT(o.routing_key, LENGTH(h.routing_key_prefix)) = h.routing_key_prefix) AS pending
            FROM sagaflow.outbox_hold h
            """;

    private static Hold hold(java.sql.ResultSet rs) throws java.sql.SQLException {
        return new Hold(rs.getString("exchange"), rs.getString("routing_key_prefix"),
                rs.getTimestamp("held_since").toInstant(), rs.getString("held_by"), rs.getString("reason"),
                rs.getBoolean("automatic"), rs.getLong("pending"));
    }

    /**
     * Places a hold, in the caller's transaction. Two callers placing the same hold at once: the
     * primary key lets one insert; the other gets {@link org.springframework.dao.DuplicateKeyException}.
     *
     * @return {@code false} if it was held already (nothing changed)
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public boolean hold(String exchange, String routingKeyPrefix, String heldBy, String reason, boolean automatic) {
        return jdbc.update("""
                INSERT INTO sagaflow.outbox_hold (exchange, routing_key_prefix, held_since, held_by, reason, automatic)
                SELECT ?, ?, ?, ?, ?, ? FROM (VALUES (1)) AS one (x)
                WHERE NOT EXISTS (SELECT 1 FROM sagaflow.outbox_hold WHERE exchange = ? AND routing_key_prefix = ?)
                """, exchange, routingKeyPrefix, Timestamp.from(clock.instant()), heldBy, reason, automatic,
                exchange, routingKeyPrefix) == 1;
    }

    /**
     * Releases a hold, in the caller's transaction; the relay is woken after the commit and publishes
     * what it held, in order (of their sequence, and behind each other per ordering key).
     *
     * @return the hold that was released, if there was one
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public Optional<Hold> release(String exchange, String routingKeyPrefix) {
        Optional<Hold> held = findHold(exchange, routingKeyPrefix);
        // The delete decides: of two callers releasing at once, one deletes the row, the other finds none.
        if (held.isEmpty() || jdbc.update("DELETE FROM sagaflow.outbox_hold WHERE exchange = ? AND routing_key_prefix = ?",
                exchange, routingKeyPrefix) == 0) {
            return Optional.empty();
        }
        // What it held becomes due now, not when it was written: the relay's lag (which admission
        // sheds load on) measures the relay, not how long an operator held the rows.
        jdbc.update("UPDATE sagaflow.outbox_message o SET next_attempt_at = ? WHERE o.status = 'PENDING'"
                + " AND o.exchange = ? AND LEFT(o.routing_key, ?) = ? AND o.next_attempt_at < ?",
                Timestamp.from(clock.instant()), exchange, routingKeyPrefix.length(), routingKeyPrefix,
                Timestamp.from(clock.instant()));
        wakeRelayAfterCommit();
        return held;
    }

    /** The holds in place, the oldest first. */
    public List<Hold> holds() {
        return jdbc.query(HOLDS + " ORDER BY h.held_since, h.routing_key_prefix", (rs, n) -> hold(rs));
    }

    public Optional<Hold> findHold(String exchange, String routingKeyPrefix) {
        return jdbc.query(HOLDS + " WHERE h.exchange = ? AND h.routing_key_prefix = ?", (rs, n) -> hold(rs),
                exchange, routingKeyPrefix).stream().findFirst();
    }

    public List<FailedMessage> failed(int limit) {
        return failed(limit, null, null);
    }

    /**
     * FAILED rows, oldest first; {@code exchange} and {@code routingKey} (each optional, exact) narrow
     * them to the route an operator has just fixed, however many other rows failed.
     */
    public List<FailedMessage> failed(int limit, String exchange, String routingKey) {
        return jdbc.query("""
                SELECT message_id, exchange, routing_key, message_type, attempts, last_error, created_at
                FROM sagaflow.outbox_message
                WHERE status = 'FAILED' AND (CAST(? AS VARCHAR(255)) IS NULL OR exchange = ?)
                  AND (CAST(? AS VARCHAR(255)) IS NULL OR routing_key = ?)
                ORDER BY seq LIMIT ?
                """, (rs, n) -> new FailedMessage(rs.getString("message_id"), rs.getString("exchange"),
                rs.getString("routing_key"), rs.getString("message_type"), rs.getInt("attempts"),
                rs.getString("last_error"), rs.getTimestamp("created_at").toInstant()),
                exchange, exchange, routingKey, routingKey, limit);
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
     * none is due). A row waiting in its retry backoff is not due yet, and a held row waits for an
     * operator, so neither counts.
     */
    public Duration relayLag() {
        Timestamp oldestDue = jdbc.queryForObject("SELECT MIN(o.next_attempt_at) FROM sagaflow.outbox_message o"
                + " WHERE o.status = 'PENDING' AND " + OutboxRelay.NOT_HELD, Timestamp.class);
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
                SELECT COUNT(*) FILTER (WHERE NOT held) AS pending,
                       MIN(created_at) FILTER (WHERE NOT held) AS oldest,
                       COUNT(*) FILTER (WHERE held) AS held,
                       (SELECT COUNT(*) FROM sagaflow.outbox_message WHERE status = 'FAILED') AS failed
                FROM (SELECT o.created_at, %s AS held
                      FROM sagaflow.outbox_message o WHERE o.status = 'PENDING') pending_rows
                """.formatted(OutboxRelay.HELD), (rs, n) -> {
            Timestamp oldest = rs.getTimestamp("oldest");
            return new Backlog(rs.getLong("pending"),
                    oldest == null ? Duration.ZERO : Duration.between(oldest.toInstant(), clock.instant()),
                    rs.getLong("failed"), rs.getLong("held"));
        });
    }
}
