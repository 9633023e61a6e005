package io.sagaflow.messaging;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Messages that cannot be processed are parked here with the reason, so they never block the
 * queue, are never silently dropped, and an operator can inspect them.
 */
@Component
public class ParkedMessages {

    private static final Logger log = LoggerFactory.getLogger(ParkedMessages.class);
    private static final int MAX_REASON_LENGTH = 2000;

    private final JdbcTemplate jdbc;
    private final ObjectMapper objectMapper;
    private final Clock clock;
    private final MeterRegistry meters;

    ParkedMessages(JdbcTemplate jdbc, ObjectMapper objectMapper, Clock clock, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.objectMapper = objectMapper;
        this.clock = clock;
        this.meters = meters;
    }

    /** A parked message as an operator sees it. */
    public record ParkedMessage(long id, String consumer, String queue, String messageId, String type,
                                String correlationId, String replyTo, String reason, String headers, String payload,
                                Instant parkedAt) {
    }

    private static final RowMapper<ParkedMessage> ROW = (rs, row) -> new ParkedMessage(rs.getLong("id"),
            rs.getString("consumer"), rs.getString("queue"), rs.getString("message_id"), rs.getString("message_type"),
            rs.getString("correlation_id"), rs.getString("reply_to"), rs.getString("reason"), rs.getString("headers"),
            rs.getString("payload"), rs.getTimestamp("parked_at").toInstant());

    @Transactional(propagation = Propagation.REQUIRES_NEW)
    public void park(String consumer, InboundMessage message, String reason) {
        String boundedReason = reason.length() > MAX_REASON_LENGTH ? reason.substring(0, MAX_REASON_LENGTH) : reason;
        jdbc.update("""
                INSERT INTO sagaflow.parked_message (consumer, queue, message_id, message_type, correlation_id,
                    reply_to, reason, headers, payload, parked_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, consumer, String.valueOf(message.queue()), message.messageId(), message.type(),
                message.correlationId(), message.replyTo(), boundedReason, headersAsJson(message.headers()),
                message.body(), Timestamp.from(clock.instant()));
        meters.counter("sagaflow.messages.parked", "consumer", consumer).increment();
        log.warn("Parked message {} (type {}) from queue {}: {}", message.messageId(), message.type(), message.queue(),
                boundedReason);
    }

    public List<ParkedMessage> list(int limit) {
        return jdbc.query("SELECT * FROM sagaflow.parked_message ORDER BY id LIMIT ?", ROW, limit);
    }

    public Optional<ParkedMessage> find(long id) {
        return jdbc.query("SELECT * FROM sagaflow.parked_message WHERE id = ?", ROW, id).stream().findFirst();
    }

    /** Removes a parked message, in the caller's transaction (the replay that re-publishes it). */
    @Transactional(propagation = Propagation.MANDATORY)
    public boolean remove(long id) {
        return jdbc.update("DELETE FROM sagaflow.parked_message WHERE id = ?", id) == 1;
    }

    public long count() {
        Long count = jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.parked_message", Long.class);
        return count == null ? 0 : count;
    }

    private String headersAsJson(Map<String, Object> headers) {
        try {
            return objectMapper.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            return String.valueOf(headers);
        }
    }
}
