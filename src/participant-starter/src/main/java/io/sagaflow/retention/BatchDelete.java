package io.sagaflow.retention;

import java.sql.Timestamp;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Deletes old rows a batch at a time, each batch its own statement, so no statement holds many
 * locks and instances doing the same at once at worst overlap.
 */
public final class BatchDelete {

    private BatchDelete() {
    }

    /**
     * @param deleteBatch a DELETE taking (cutoff, batch size) that removes at most one batch
     * @return rows deleted in all
     */
    public static int untilDone(JdbcTemplate jdbc, String deleteBatch, Timestamp cutoff, int batchSize) {
        int total = 0;
        int deleted;
        do {
            deleted = jdbc.update(deleteBatch, cutoff, batchSize);
            total += deleted;
        } while (deleted == batchSize);
        return total;
    }
}
