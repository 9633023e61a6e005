package io.sagaflow.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.sagaflow.testing.QueryPlans;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.TestInstance;

/**
 * The relay sweep stays an index lookup when a million SENT rows wait for retention and 20,000
 * messages are scheduled for later: the plan of each exact claim statement is read from PostgreSQL ({@code EXPLAIN (ANALYZE, BUFFERS)}) on a database
 * migrated by our own Flyway scripts. Checked by plan shape and pages touched, not by time.
 *
 * <p>Runs in the real-services profile only (it needs PostgreSQL); it uses a database of its own,
 * {@code sagaflow_plan}, created and dropped here, so the other suites never see the rows.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboxSweepPlanPostgresTests {

    private static final String DATABASE = "sagaflow_plan";
    private static final int OLD_ROWS = Integer.getInteger("sagaflow.plan.old-rows", 1_000_000);
    private static final int PENDING_ROWS = 200;
    private static final int SCHEDULED_ROWS = 20_000;

    @BeforeAll
    void migrateAndFill() throws SQLException {
        QueryPlans.createMigratedDatabase(DATABASE);
        try (Connection db = connect(); Statement statement = db.createStatement()) {
            // A million old, sent messages of 100k finished sagas (what retention has not deleted yet) ...
            statement.execute("""
                    INSERT INTO sagaflow.outbox_message (message_id, ordering_key, exchange, routing_key, message_type,
                        headers, payload, status, attempts, next_attempt_at, created_at, sent_at)
                    SELECT 'old-' || i, 'saga-' || (i / 10), 'sagaflow.commands', 'ReserveStock', 'ReserveStock',
                        '{}', '{"sku":"ABC","quantity":1}', 'SENT', 1, now() - interval '2 days',
                        now() - interval '2 days', now() - interval '2 days'
                    FROM generate_series(1, %d) AS i
                    """.formatted(OLD_ROWS));
            // ... a few failed ones, and the live work: two pending messages for each of 100 sagas.
            statement.execute("""
                    INSERT INTO sagaflow.outbox_message (message_id, ordering_key, exchange, routing_key, message_type,
                        headers, payload, status, attempts, next_attempt_at, last_error, created_at)
                    SELECT 'failed-' || i, 'failed-saga-' || i, 'sagaflow.commands', 'Nowhere', 'Nowhere',
                        '{}', '{}', 'FAILED', 10, now(), 'unroutable', now() - interval '1 day'
                    FROM generate_series(1, 50) AS i
                    """);
            // ... messages scheduled for tomorrow (Outbox.append with a notBefore), written before
            // the live work so that a claim walking pending rows in seq order would meet them first ...
            statement.execute("""
                    INSERT INTO sagaflow.outbox_message (message_id, ordering_key, exchange, routing_key, message_type,
                        headers, payload, status, attempts, next_attempt_at, created_at)
                    SELECT 'scheduled-' || i, NULL, 'sagaflow.events', 'Reminder', 'Reminder',
                        '{}', '{}', 'PENDING', 0, now() + interval '1 day', now()
                    FROM generate_series(1, %d) AS i
                    """.formatted(SCHEDULED_ROWS));
            statement.execute("""
                    INSERT INTO sagaflow.outbox_message (message_id, ordering_key, exchange, routing_key, message_type,
                        headers, payload, status, attempts, next_attempt_at, created_at)
                    SELECT 'pending-' || i, 'live-saga-' || mod(i, %d), 'sagaflow.commands', 'ChargePayment',
                        'ChargePayment', '{}', '{"amount":10}', 'PENDING', 0, now() - interval '1 second', now()
                    FROM generate_series(1, %d) AS i
                    """.formatted(PENDING_ROWS / 2, PENDING_ROWS));
            statement.execute("ANALYZE sagaflow.outbox_message");
        }
    }

    @AfterAll
    void dropDatabase() throws SQLException {
        QueryPlans.dropDatabase(DATABASE);
    }

    /** The relay's two claims: marking the rows SENT (the default), and locking them (retention zero). */
    static Stream<Arguments> claims() {
        return Stream.of(Arguments.of("claim as SENT", OutboxRelay.CLAIM_DUE_ROWS_AS_SENT, true),
                Arguments.of("claim by lock", OutboxRelay.CLAIM_DUE_ROWS, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("claims")
    void sweepReadsOnlyThePendingRowsThroughItsPartialIndexes(String name, String claimStatement, boolean marksSent)
            throws Exception {
        JsonNode plan;
        List<String> claimed = new ArrayList<>();
        Timestamp now = Timestamp.from(Instant.now());
        List<Object> arguments = marksSent ? List.of(now, now, 100) : List.of(now, 100);
        try (Connection db = connect()) {
            db.setAutoCommit(false);
            plan = QueryPlans.explain(db, claimStatement, arguments);
            db.rollback(); // EXPLAIN ANALYZE ran the claim
            try (PreparedStatement claim = db.prepareStatement(claimStatement, new String[] {"message_id"})) {
                for (int i = 0; i < arguments.size(); i++) {
                    claim.setObject(i + 1, arguments.get(i));
                }
                try (ResultSet rs = marksSent ? generatedKeys(claim) : claim.executeQuery()) {
                    while (rs.next()) {
                        claimed.add(rs.getString("message_id"));
                    }
                }
            }
            db.rollback();
        }
        List<String> scans = QueryPlans.scans(plan);
        long pages = QueryPlans.pagesTouched(plan);
        System.out.printf("[plan] " + name + ": %,d old rows and %,d scheduled in %,d pages: claim query %.2f ms, %d pages touched, "
                + "scans %s%n", OLD_ROWS, SCHEDULED_ROWS, tablePages(), plan.path("Execution Time").asDouble(), pages, scans);

        // The query is right: the oldest pending message of each live saga, never an old, failed or
        // not yet due row.
        assertThat(claimed).hasSize(PENDING_ROWS / 2).allMatch(id -> id.startsWith("pending-"));
        // The plan is right: no sequential scan of the table, partial PENDING indexes carry both the
        // due rows in claim order (outbox_pending_due: next_attempt_at, seq) and the "no earlier
        // pending row of this saga" check.
        // (The hold table is read once per claim, whole: it has a row per paused participant.)
        assertThat(scans).noneMatch(scan -> scan.equals("Seq Scan outbox_message"));
        assertThat(scans).anyMatch(scan -> scan.endsWith("Scan outbox_pending_due"))
                .anyMatch(scan -> scan.endsWith("outbox_pending_by_key"));
        // And it stays small: a few hundred pages to find the rows (305 measured), where the whole table
        // has tens of thousands. Walking the pending rows in seq order instead stepped over the scheduled
        // ones: 687 pages and 10 times the time. Marking them SENT adds what writing each row costs, a
        // new version and its index entries (about 14 pages a row measured, 1,723 for the 100): the
        // writes the separate mark after the confirms made before.
        long writes = marksSent ? 20L * claimed.size() : 0;
        assertThat(pages).isLessThan(500 + writes).isLessThan(tablePages() / 10);
    }

    private static ResultSet generatedKeys(PreparedStatement claim) throws SQLException {
        claim.executeUpdate();
        return claim.getGeneratedKeys();
    }

    private long tablePages() throws SQLException {
        try (Connection db = connect(); Statement statement = db.createStatement();
             ResultSet rs = statement.executeQuery(
                     "SELECT relpages FROM pg_class WHERE oid = 'sagaflow.outbox_message'::regclass")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static Connection connect() throws SQLException {
        return QueryPlans.connect(DATABASE);
    }
}
