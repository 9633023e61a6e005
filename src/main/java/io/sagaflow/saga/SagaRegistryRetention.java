package io.sagaflow.saga;

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
 * Deletes the registry rows of sagas ended longer ago than {@code sagaflow.retention.sagas}; a
 * running saga's row stays, whatever its age. Until then its business key starts no second saga.
 */
@Component
class SagaRegistryRetention implements Retention {

    private static final Logger log = LoggerFactory.getLogger(SagaRegistryRetention.class);

    private static final String DELETE_BATCH = """
            DELETE FROM sagaflow.saga WHERE saga_id IN (
                SELECT saga_id FROM sagaflow.saga WHERE ended_at < ? LIMIT ?)
            """;

    private final JdbcTemplate jdbc;
    private final RetentionProperties properties;
    private final Clock clock;

    SagaRegistryRetention(JdbcTemplate jdbc, RetentionProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.clock = clock;
    }

    @Override
    @Scheduled(fixedDelayString = "${sagaflow.retention.interval:PT10M}",
            initialDelayString = "${sagaflow.retention.interval:PT10M}")
    public int deleteExpiredRows() {
        int deleted = BatchDelete.untilDone(jdbc, DELETE_BATCH,
                Timestamp.from(clock.instant().minus(properties.sagas())), properties.batchSize());
        if (deleted > 0) {
            log.info("Deleted the registry rows of {} sagas ended more than {} ago", deleted, properties.sagas());
        }
        return deleted;
    }
}
