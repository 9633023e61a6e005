package io.sagaflow.outbox;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;

import io.sagaflow.retention.BatchDelete;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Deletes SENT rows older than the retention, in small batches so no statement holds many locks.
 * Safe on every instance at once: batches of different instances at worst overlap.
 */
@Component
public class OutboxRetention {

    private static final Logger log = LoggerFactory.getLogger(OutboxRetention.class);

    private static final String DELETE_SENT_BATCH = """
            DELETE FROM sagaflow.outbox_message WHERE seq IN (
                SELECT seq FROM sagaflow.outbox_message WHERE status = 'SENT' AND sent_at < ? ORDER BY seq LIMIT ?)
            """;

    private final JdbcTemplate jdbc;
    private final OutboxProperties properties;
    private final Clock clock;

    OutboxRetention(JdbcTemplate jdbc, OutboxProperties properties, Clock clock) {
        this.jdbc = jdbc;
        this.properties = properties;
        this.clock = clock;
    }

    @Scheduled(fixedDelayString = "${sagaflow.outbox.retention-interval:PT1M}",
            initialDelayString = "${sagaflow.outbox.retention-interval:PT1M}")
    public void deleteExpiredSentRows() {
        int total = deleteSentBefore(clock.instant().minus(properties.retention()));
        if (total > 0) {
            log.info("Deleted {} SENT outbox rows older than {}", total, properties.retention());
        }
    }

    /**
     * Every SENT row sent before the cutoff, as the scheduled run deletes them; public for the
     * benchmark, which counts this delete in what a relayed message costs.
     */
    public int deleteSentBefore(Instant cutoff) {
        return BatchDelete.untilDone(jdbc, DELETE_SENT_BATCH, Timestamp.from(cutoff), properties.retentionBatchSize());
    }
}
