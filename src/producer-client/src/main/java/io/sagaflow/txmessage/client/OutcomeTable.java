package io.sagaflow.txmessage.client;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.regex.Pattern;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The producer's own record of each message's outcome (DTM's "QueryPrepared" idea): the local
 * transaction inserts {@code COMMIT} first thing; a check-back inserts {@code ROLLBACK} only if no row
 * exists. The primary key makes these two inserts exclusive, so the answer is never a guess:
 * <ul>
 *   <li>local transaction committed → its row is there → COMMIT;</li>
 *   <li>local transaction still running → the check-back's insert waits on the key, then sees the
 *       outcome (or times out → UNKNOWN, asked again later);</li>
 *   <li>local transaction rolled back or never started → the check-back's ROLLBACK row wins, and a
 *       local transaction that starts later fails on the key instead of committing a change whose
 *       message is gone.</li>
 * </ul>
 */
final class OutcomeTable {

    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    private final String table;
    private final String producerGroup;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final Clock clock;

    OutcomeTable(String table, String producerGroup, JdbcTemplate jdbc, TransactionTemplate transactions, Clock clock) {
        this.table = requireValidName(table);
        this.producerGroup = producerGroup;
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.clock = clock;
    }

    static String requireValidName(String table) {
        if (table == null || !TABLE_NAME.matcher(table).matches()) {
            throw new IllegalArgumentException("outcome table must be [schema.]name of letters, digits and _: " + table);
        }
        return table;
    }

    /** Portable DDL (H2, PostgreSQL) of an outcome table; one table can serve several producer groups. */
    static String ddl(String table) {
        return "CREATE TABLE IF NOT EXISTS " + requireValidName(table) + " (\n"
                + "    producer_group VARCHAR(100) NOT NULL,\n"
                + "    message_id     VARCHAR(64)  NOT NULL,\n"
                + "    outcome        VARCHAR(16)  NOT NULL CHECK (outcome IN ('COMMIT', 'ROLLBACK')),\n"
                + "    recorded_at    TIMESTAMP WITH TIME ZONE NOT NULL,\n"
                + "    PRIMARY KEY (producer_group, message_id)\n"
                + ")";
    }

    /**
     * In the local transaction: the message commits with it.
     *
     * @throws TxMessageException if a check-back already decided ROLLBACK for this message
     */
    void recordCommit(String messageId) {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException("the COMMIT outcome must be written in the local transaction");
        }
        try {
            jdbc.update("INSERT INTO " + table + " (producer_group, message_id, outcome, recorded_at) "
                    + "VALUES (?, ?, 'COMMIT', ?)", producerGroup, messageId, Timestamp.from(clock.instant()));
        } catch (DuplicateKeyException rolledBack) {
            throw new TxMessageException("transactional message " + messageId + " was already rolled back by a "
                    + "check-back (its transaction timeout passed before the local transaction started)", rolledBack);
        }
    }

    /** Answers a check-back; waits for a local transaction of the same message still in flight. */
    CheckAnswer answer(String messageId) {
        try {
            return transactions.execute(status -> {
                jdbc.update("INSERT INTO " + table + " (producer_group, message_id, outcome, recorded_at) "
                                + "SELECT ?, ?, 'ROLLBACK', ? WHERE NOT EXISTS (SELECT 1 FROM " + table
                                + " WHERE producer_group = ? AND message_id = ?)",
                        producerGroup, messageId, Timestamp.from(clock.instant()), producerGroup, messageId);
                return read(messageId);
            });
        } catch (DuplicateKeyException committedMeanwhile) {
            // The local transaction held the key and committed while this insert waited.
            return transactions.execute(status -> read(messageId));
        } catch (TransientDataAccessException stillRunning) {
            // Lock wait timed out: the local transaction is still open. Ask again later.
            return CheckAnswer.UNKNOWN;
        }
    }

    private CheckAnswer read(String messageId) {
        List<String> outcome = jdbc.queryForList("SELECT outcome FROM " + table
                + " WHERE producer_group = ? AND message_id = ?", String.class, producerGroup, messageId);
        return outcome.isEmpty() ? CheckAnswer.UNKNOWN : CheckAnswer.valueOf(outcome.get(0));
    }
}
