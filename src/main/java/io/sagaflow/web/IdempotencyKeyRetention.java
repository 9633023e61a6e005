package io.sagaflow.web;

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

/** Deletes {@code Idempotency-Key} rows older than {@code sagaflow.api.idempotency-retention}. */
@Component
class IdempotencyKeyRetention implements Retention {

    private static final Logger log = LoggerFactory.getLogger(IdempotencyKeyRetention.class);

    private static final String DELETE_BATCH = """
            DELETE FROM sagaflow.idempotency_key WHERE (principal, idem_key) IN (
                SELECT principal, idem_key FROM sagaflow.idempotency_key WHERE created_at < ? LIMIT ?)
            """;

    private final JdbcTemplate jdbc;
    private final ApiProperties api;
    private final RetentionProperties properties;
    private final Clock clock;

    IdempotencyKeyRetention(JdbcTemplate jdbc, ApiProperties api, RetentionProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.api = api;
        this.properties = properties;
        this.clock = clock;
    }

    @Override
    @Scheduled(fixedDelayString = "${sagaflow.retention.interval:PT10M}",
            initialDelayString = "${sagaflow.retention.interval:PT10M}")
    public int deleteExpiredRows() {
        int deleted = BatchDelete.untilDone(jdbc, DELETE_BATCH,
                Timestamp.from(clock.instant().minus(api.idempotencyRetention())), properties.batchSize());
        if (deleted > 0) {
            log.info("Deleted {} idempotency keys older than {}", deleted, api.idempotencyRetention());
        }
        return deleted;
    }
}
