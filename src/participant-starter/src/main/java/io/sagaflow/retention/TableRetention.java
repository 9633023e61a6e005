package io.sagaflow.retention;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;

/**
 * One table's rows older than its retention, deleted a batch at a time every
 * {@code sagaflow.retention.interval} on every instance (batches of different instances at worst
 * overlap). The package that owns a table that grows with the traffic declares one: the inbox
 * ({@code messaging}), the barrier ({@code participant}), the saga registry ({@code saga}),
 * idempotency keys ({@code web}). The outbox and half messages have their own schedules.
 */
public abstract class TableRetention {

    private final Logger log = LoggerFactory.getLogger(getClass());

    private final String rows;
    private final String deleteBatch;
    private final Duration age;
    private final JdbcTemplate jdbc;
    private final int batchSize;
    private final Clock clock;

    /**
     * @param rows what is deleted, for the log ("inbox rows")
     * @param deleteBatch a DELETE taking (cutoff, batch size) that removes at most one batch
     * @param age rows older than this go
     */
    protected TableRetention(String rows, String deleteBatch, Duration age, JdbcTemplate jdbc,
                             RetentionProperties properties, Clock clock) {
        this.rows = rows;
        this.deleteBatch = deleteBatch;
        this.age = age;
        this.jdbc = jdbc;
        this.batchSize = properties.batchSize();
        this.clock = clock;
    }

    /** Deletes the rows past their retention now; returns how many. */
    @Scheduled(fixedDelayString = "${sagaflow.retention.interval:PT10M}",
            initialDelayString = "${sagaflow.retention.interval:PT10M}")
    public int deleteExpiredRows() {
        int deleted = BatchDelete.untilDone(jdbc, deleteBatch, Timestamp.from(clock.instant().minus(age)), batchSize);
        if (deleted > 0) {
            log.info("Deleted {} {} older than {}", deleted, rows, age);
        }
        return deleted;
    }
}
