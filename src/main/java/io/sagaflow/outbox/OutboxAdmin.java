package io.sagaflow.outbox;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** What operators and health checks need to know about the outbox, and the one repair: re-queue. */
@Component
public class OutboxAdmin {

    private final JdbcTemplate jdbc;
    private final OutboxRelay relay;
    private final Clock clock;

    OutboxAdmin(JdbcTemplate jdbc, OutboxRelay relay, Clock clock) {
        this.jdbc = jdbc;
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
            relay.wakeUp();
        }
        return requeued;
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
