package io.sagaflow.messaging;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
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
                                String reason, String headers, String payload, Instant parkedAt) {
    }

    @Transactional(propagation = Propagation.REQUIRES_NEW)
    public void park(String consumer, InboundMessage message, String reason) {
        String boundedReason = reason.length() > MAX_REASON_LENGTH ? reason.substring(0, MAX_REASON_LENGTH) : reason;
        jdbc.update("""
                INSERT INTO sagaflow.parked_message
                    (consumer, queue, message_id, message_type, reason, headers, payload, parked_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, consumer, String.valueOf(message.queue()), message.messageId(), message.type(), boundedReason,
                headersAsJson(message.headers()), message.body(), Timestamp.from(clock.instant()));
        meters.counter("sagaflow.messages.parked", "consumer", consumer).increment();
        log.warn("Parked message {} (type {}) from queue {}: {}", message.messageId(), message.type(), message.queue(),
                boundedReason);
    }

    public List<ParkedMessage> list(int limit) {
        return jdbc.query("""
                SELECT id, consumer, queue, message_id, message_type, reason, headers, payload, parked_at
                FROM sagaflow.parked_message ORDER BY id LIMIT ?
                """, (rs, row) -> new ParkedMessage(rs.getLong("id"), rs.getString("consumer"), rs.getString("queue"),
                rs.getString("message_id"), rs.getString("message_type"), rs.getString("reason"),
                rs.getString("headers"), rs.getString("payload"), rs.getTimestamp("parked_at").toInstant()), limit);
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
