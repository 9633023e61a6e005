package io.sagaflow.retention;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import io.sagaflow.testing.IntegrationTest;
import io.sagaflow.outbox.OutboxRetention;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/** The database does not grow without bound: old rows go, rows still needed stay. */
@IntegrationTest
class RetentionIntegrationTests {

    private final JdbcTemplate jdbc;
    private final OutboxRetention outboxRetention;
    /** Each table owner's retention: inbox, barrier, saga registry, idempotency keys. */
    private final List<TableRetention> retentions;

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    RetentionIntegrationTests(JdbcTemplate jdbc, OutboxRetention outboxRetention, List<TableRetention> retentions) {
        this.jdbc = jdbc;
        this.outboxRetention = outboxRetention;
        this.retentions = retentions;
    }

    @Test
    void sentOutboxRowsGoAfterTheirRetentionPendingAndFailedOnesStay() {
        insertOutbox("old-sent", "SENT", daysAgo(8));
        insertOutbox("new-sent", "SENT", daysAgo(1));
        insertOutbox("pending", "PENDING", null);
        insertOutbox("failed", "FAILED", null);

        outboxRetention.deleteExpiredSentRows();

        assertThat(jdbc.queryForList("SELECT message_id FROM sagaflow.outbox_message WHERE message_id LIKE ?",
                String.class, run + "-%"))
                .containsExactlyInAnyOrder(run + "-new-sent", run + "-pending", run + "-failed");
    }

    @Test
    void eachTableIsCleanedByThePackageThatOwnsIt() {
        assertThat(retentions).extracting(retention -> retention.getClass().getName()).containsExactlyInAnyOrder(
                "io.sagaflow.messaging.InboxRetention", "io.sagaflow.participant.BarrierRetention",
                "io.sagaflow.saga.SagaRegistryRetention", "io.sagaflow.web.IdempotencyKeyRetention",
                "io.sagaflow.ops.BulkRepairRetention$Items", "io.sagaflow.ops.BulkRepairRetention$Repairs");
    }

    @Test
    void inboxAndBarrierRowsGoAfterTheDeduplicationWindow() {
        for (int i = 0; i < 3; i++) {
            jdbc.update("INSERT INTO sagaflow.inbox_message (consumer, message_id, received_at) VALUES (?, ?, ?)",
                    "retention-test", run + "-old-" + i, daysAgo(31));
            jdbc.update("""
                    INSERT INTO sagaflow.participant_barrier (participant, saga_id, step, op, outcome, created_at)
                    VALUES (?, ?, 'step', 'ACTION', 'SUCCESS', ?)""", "retention-test", run + "-old-" + i, daysAgo(31));
        }
        jdbc.update("INSERT INTO sagaflow.inbox_message (consumer, message_id, received_at) VALUES (?, ?, ?)",
                "retention-test", run + "-new", daysAgo(29));
        jdbc.update("""
                INSERT INTO sagaflow.participant_barrier (participant, saga_id, step, op, outcome, created_at)
                VALUES (?, ?, 'step', 'ACTION', 'SUCCESS', ?)""", "retention-test", run + "-new", daysAgo(29));

        retentions.forEach(TableRetention::deleteExpiredRows);

        assertThat(ids("SELECT message_id FROM sagaflow.inbox_message WHERE message_id LIKE ?")).containsExactly(run + "-new");
        assertThat(ids("SELECT saga_id FROM sagaflow.participant_barrier WHERE saga_id LIKE ?")).containsExactly(run + "-new");
    }

    @Test
    void endedSagasGoAfterTheirRetentionRunningOnesStayAndIdempotencyKeysGoAfterADay() {
        insertSaga("old-ended", daysAgo(40), daysAgo(31));
        insertSaga("new-ended", daysAgo(40), daysAgo(29));
        insertSaga("old-running", daysAgo(40), null);
        for (String key : List.of("old-key", "new-key")) {
            jdbc.update("""
                    INSERT INTO sagaflow.idempotency_key (principal, idem_key, request_hash, response_code,
                        response_body, created_at)
                    VALUES ('retention-test', ?, 'hash', 202, '{}', ?)""", run + "-" + key,
                    Timestamp.from(Instant.now().minus(key.startsWith("old") ? Duration.ofHours(25)
                            : Duration.ofHours(23))));
        }

        retentions.forEach(TableRetention::deleteExpiredRows);

        assertThat(ids("SELECT saga_id FROM sagaflow.saga WHERE saga_id LIKE ?"))
                .containsExactlyInAnyOrder(run + "-new-ended", run + "-old-running");
        assertThat(ids("SELECT idem_key FROM sagaflow.idempotency_key WHERE idem_key LIKE ?"))
                .containsExactly(run + "-new-key");
    }

    @Test
    void endedBulkRepairsGoWithTheirItemsAfterTheSagaRetentionRunningOnesStay() {
        for (String repair : List.of("old-done", "new-done", "old-running")) {
            boolean running = repair.endsWith("running");
            jdbc.update("""
                    INSERT INTO sagaflow.bulk_repair (id, action, filter, status, total, requested_by, requester_kind,
                        requested_via, created_at, finished_at)
                    VALUES (?, 'OUTBOX_REQUEUE', '{}', ?, 2, 'retention-test', 'USER', 'API', ?, ?)""",
                    run + "-" + repair, running ? "RUNNING" : "DONE", daysAgo(40),
                    running ? null : repair.startsWith("old") ? daysAgo(31) : daysAgo(29));
            for (int seq = 1; seq <= 2; seq++) {
                jdbc.update("INSERT INTO sagaflow.bulk_repair_item (repair_id, seq, target, status) VALUES (?, ?, 'x', ?)",
                        run + "-" + repair, seq, running ? "PENDING" : "DONE");
            }
        }

        retentions.forEach(TableRetention::deleteExpiredRows);
        retentions.forEach(TableRetention::deleteExpiredRows); // items first, then their repair, whichever ran first

        assertThat(ids("SELECT id FROM sagaflow.bulk_repair WHERE id LIKE ?"))
                .containsExactlyInAnyOrder(run + "-new-done", run + "-old-running");
        assertThat(ids("SELECT DISTINCT repair_id FROM sagaflow.bulk_repair_item WHERE repair_id LIKE ?"))
                .containsExactlyInAnyOrder(run + "-new-done", run + "-old-running");
        jdbc.update("DELETE FROM sagaflow.bulk_repair_item WHERE repair_id LIKE ?", run + "-%");
        jdbc.update("DELETE FROM sagaflow.bulk_repair WHERE id LIKE ?", run + "-%");
    }

    /** The PENDING row must not reach the relay or the outbox health check of other tests. */
    @AfterEach
    void removeRowsOfThisTest() {
        jdbc.update("DELETE FROM sagaflow.outbox_message WHERE message_id LIKE ?", run + "-%");
        jdbc.update("DELETE FROM sagaflow.inbox_message WHERE message_id LIKE ?", run + "-%");
        jdbc.update("DELETE FROM sagaflow.participant_barrier WHERE saga_id LIKE ?", run + "-%");
        jdbc.update("DELETE FROM sagaflow.saga WHERE saga_id LIKE ?", run + "-%");
        jdbc.update("DELETE FROM sagaflow.idempotency_key WHERE idem_key LIKE ?", run + "-%");
    }

    private void insertSaga(String id, Timestamp startedAt, Timestamp endedAt) {
        jdbc.update("""
                INSERT INTO sagaflow.saga (saga_id, process_key, business_key, input_hash, status, started_at, ended_at)
                VALUES (?, 'retention-test', ?, 'hash', ?, ?, ?)""", run + "-" + id, run + "-" + id,
                endedAt == null ? "RUNNING" : "COMPLETED", startedAt, endedAt);
    }

    private List<String> ids(String sql) {
        return jdbc.queryForList(sql, String.class, run + "-%");
    }

    private void insertOutbox(String id, String status, Timestamp sentAt) {
        jdbc.update("""
                INSERT INTO sagaflow.outbox_message (message_id, exchange, routing_key, message_type, headers, payload,
                    status, attempts, next_attempt_at, created_at, sent_at)
                VALUES (?, 'sagaflow.commands', 'retention.test', 'retention.test', '{}', '{}', ?, 1, ?, ?, ?)""",
                run + "-" + id, status, daysAgo(-1), sentAt == null ? daysAgo(0) : daysAgo(8), sentAt);
    }

    private static Timestamp daysAgo(int days) {
        return Timestamp.from(Instant.now().minus(Duration.ofDays(days)));
    }
}
