package io.sagaflow.messaging;

import java.sql.Timestamp;
import java.time.Clock;

import io.sagaflow.retention.BatchDelete;
import io.sagaflow.retention.Retention;
import io.sagaflow.retention.RetentionProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes inbox rows older than {@code sagaflow.retention.deduplication}: a copy of a message older
 * than that would be processed again, so the setting stays well above the outbox retention.
 */
@Component
class InboxRetention implements Retention {

    private static final Logger log = LoggerFactory.getLogger(InboxRetention.class);

    private static final String DELETE_BATCH = """
            DELETE FROM sagaflow.inbox_message WHERE (consumer, message_id) IN (
                SELECT consumer, message_id FROM sagaflow.inbox_message WHERE received_at < ? LIMIT ?)
            """;

    private final JdbcTemplate jdbc;
    private final RetentionProperties properties;
    private final Clock clock;

    InboxRetention(JdbcTemplate jdbc, RetentionProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.clock = clock;
    }

    @Override
    @Scheduled(fixedDelayString = "${sagaflow.retention.interval:PT10M}",
            initialDelayString = "${sagaflow.retention.interval:PT10M}")
    public int deleteExpiredRows() {
        int deleted = BatchDelete.untilDone(jdbc, DELETE_BATCH,
                Timestamp.from(clock.instant().minus(properties.deduplication())), properties.batchSize());
        if (deleted > 0) {
            log.info("Deleted {} inbox rows older than {}", deleted, properties.deduplication());
        }
        return deleted;
    }
}
