package io.sagaflow.outbox;

import java.sql.Timestamp;
import java.time.Clock;

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
class OutboxRetention {

    private static final Logger log = LoggerFactory.getLogger(OutboxRetention.class);

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
    void deleteExpiredSentRows() {
        int total = deleteSentBefore(Timestamp.from(clock.instant().minus(properties.retention())));
        if (total > 0) {
            log.info("Deleted {} SENT outbox rows older than {}", total, properties.retention());
        }
    }

    int deleteSentBefore(Timestamp cutoff) {
        int total = 0;
        int deleted;
        do {
            deleted = jdbc.update("""
                    DELETE FROM sagaflow.outbox_message WHERE seq IN (
                        SELECT seq FROM sagaflow.outbox_message
                        WHERE status = 'SENT' AND sent_at < ?
                        ORDER BY seq LIMIT ?)
                    """, cutoff, properties.retentionBatchSize());
            total += deleted;
        } while (deleted == properties.retentionBatchSize());
        return total;
    }
}
