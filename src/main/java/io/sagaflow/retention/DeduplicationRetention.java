package io.sagaflow.retention;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes inbox and barrier rows older than {@code sagaflow.retention.deduplication}, registry rows
 * of sagas ended longer ago than {@code sagaflow.retention.sagas}, and idempotency keys older than
 * {@code sagaflow.api.idempotency-retention}, so the tables that make consumers and starts idempotent
 * do not grow without bound. Safe on every instance at once.
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

    private static final String DELETE_ENDED_SAGAS_BATCH = """
            DELETE FROM sagaflow.saga WHERE saga_id IN (
                SELECT saga_id FROM sagaflow.saga WHERE ended_at < ? LIMIT ?)
            """;
    private static final String DELETE_IDEMPOTENCY_KEYS_BATCH = """
            DELETE FROM sagaflow.idempotency_key WHERE (principal, idem_key) IN (
                SELECT principal, idem_key FROM sagaflow.idempotency_key WHERE created_at < ? LIMIT ?)
            """;

    private final JdbcTemplate jdbc;
    private final RetentionProperties properties;
    private final Duration idempotencyRetention;
    private final Clock clock;

    DeduplicationRetention(JdbcTemplate jdbc, RetentionProperties properties,
                           @Value("${sagaflow.api.idempotency-retention:PT24H}") Duration idempotencyRetention,
                           Clock clock) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.idempotencyRetention = idempotencyRetention;
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
        int sagas = BatchDelete.untilDone(jdbc, DELETE_ENDED_SAGAS_BATCH,
                Timestamp.from(clock.instant().minus(properties.sagas())), properties.batchSize());
        int keys = BatchDelete.untilDone(jdbc, DELETE_IDEMPOTENCY_KEYS_BATCH,
                Timestamp.from(clock.instant().minus(idempotencyRetention)), properties.batchSize());
        if (sagas + keys > 0) {
            log.info("Deleted {} ended sagas older than {} and {} idempotency keys older than {}", sagas,
                    properties.sagas(), keys, idempotencyRetention);
        }
    }
}
