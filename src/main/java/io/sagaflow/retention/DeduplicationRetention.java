package io.sagaflow.retention;

import java.sql.Timestamp;
import java.time.Clock;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes inbox and barrier rows older than {@code sagaflow.retention.deduplication}, so the
 * tables that make consumers idempotent do not grow without bound. Safe on every instance at once.
 */
@Component
class DeduplicationRetention {

    private static final Logger log = LoggerFactory.getLogger(DeduplicationRetention.class);

    private static final String DELETE_INBOX_BATCH = """
            DELETE FROM sagaflow.inbox_message WHERE (consumer, message_id) IN (
                SELECT consumer, message_id FROM sagaflow.inbox_message WHERE received_at < ? LIMIT ?)
            """;
    private static final String DELETE_BARRIER_BATCH = """
            DELETE FROM sagaflow.participant_barrier WHERE (participant, saga_id, step, op) IN (
                SELECT participant, saga_id, step, op FROM sagaflow.participant_barrier WHERE created_at < ? LIMIT ?)
            """;

    private final JdbcTemplate jdbc;
    private final RetentionProperties properties;
    private final Clock clock;

    DeduplicationRetention(JdbcTemplate jdbc, RetentionProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.clock = clock;
    }

    @Scheduled(fixedDelayString = "${sagaflow.retention.interval:PT10M}",
            initialDelayString = "${sagaflow.retention.interval:PT10M}")
    void deleteExpiredRows() {
        Timestamp cutoff = Timestamp.from(clock.instant().minus(properties.deduplication()));
        int inbox = BatchDelete.untilDone(jdbc, DELETE_INBOX_BATCH, cutoff, properties.batchSize());
        int barrier = BatchDelete.untilDone(jdbc, DELETE_BARRIER_BATCH, cutoff, properties.batchSize());
        if (inbox + barrier > 0) {
            log.info("Deleted {} inbox and {} barrier rows older than {}", inbox, barrier, properties.deduplication());
        }
    }
}
