package io.sagaflow.saga;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.sagaflow.admission.Admission;
import io.sagaflow.tracing.SagaTracing;
import org.camunda.bpm.engine.RepositoryService;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Everything message-shaped about one saga, for {@code GET /api/sagas/{id}/messages} and Cockpit's
 * "Saga messages" tab: its step commands, its outbox rows (every command; events and replies while
 * they are PENDING or FAILED, which is when they need attention) and the parked messages that name
 * it. Also the counts of Cockpit's dashboard section. Reads only, each through an index.
 */
@Component
public class SagaMessages {

    /** A step's command and how it was answered. */
    public record Step(String commandId, String activityId, String step, String op, String command, int attempt,
                       String status, String reason, Instant sentAt, Instant repliedAt, Instant deadlineAt) {
    }

    /** An outbox row of the saga. */
    public record OutboxRow(String messageId, String type, String exchange, String routingKey, String status,
                            int attempts, String lastError, Instant createdAt, Instant sentAt, Instant nextAttemptAt) {
    }

    /** A parked message that names the saga in its headers. */
    public record Parked(long id, String consumer, String queue, String messageId, String type, String reason,
                         Instant parkedAt) {
    }

    /**
     * @param traceId the saga's W3C trace id, to look it up in the tracing backend
     * @param processDefinitionVersion the version of the saga's definition it runs on
     * @param input the saga's input document ({@link SagaInputs}); empty for a saga whose input is in
     *     its variables
     */
    public record Messages(String sagaId, String traceId, List<Step> steps, List<OutboxRow> outbox,
                           List<Parked> parked, Integer processDefinitionVersion, List<NextTry> nextTries,
                           Map<String, Object> input) {
    }

    /** A step's next attempt under its retry policy: when its command is sent again. */
    public record NextTry(String activityId, Instant at) {
    }

    /**
     * The dashboard's counts, each with up to {@value #AFFECTED} affected saga ids to link to.
     */
    /**
     * @param sheddingLoad whether this instance refuses new sagas because the service is behind
     * @param sheddingReason why, while it does
     * @param runningByVersion how many sagas run on each version of each saga definition
     */
    public record Overview(long pendingOutboxRows, Long oldestPendingSeconds, long failedOutboxRows,
                           List<String> sagasWithFailedRows, long parkedMessages, List<String> sagasWithParkedMessages,
                           long halfMessagesParked, long stepsPastDeadline, List<String> sagasPastDeadline,
                           boolean sheddingLoad, String sheddingReason, List<SagasOnVersion> runningByVersion) {
    }

    static final int AFFECTED = 20;

    private static final String OUTBOX_COLUMNS = """
            message_id, message_type, exchange, routing_key, status, attempts, last_error, created_at, sent_at,
            next_attempt_at""";

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final Admission admission;
    private final SagaRegistry registry;
    private final RepositoryService repository;
    private final SagaInputs inputs;

    SagaMessages(JdbcTemplate jdbc, Clock clock, Admission admission, SagaRegistry registry,
                 RepositoryService repository, SagaInputs inputs) {
        this.inputs = inputs;
        this.registry = registry;
        this.repository = repository;
        this.jdbc = jdbc;
        this.clock = clock;
        this.admission = admission;
    }

    @Transactional(readOnly = true)
    public Messages of(String sagaId) {
        List<Step> steps = jdbc.query("""
                SELECT command_id, activity_id, step, op, command, attempt, status, reason, sent_at, replied_at,
                       deadline_at
                FROM sagaflow.saga_step WHERE saga_id = ? ORDER BY sent_at, command_id
                """, (rs, n) -> new Step(rs.getString("command_id"), rs.getString("activity_id"), rs.getString("step"),
                rs.getString("op"), rs.getString("command"), rs.getInt("attempt"), rs.getString("status"),
                rs.getString("reason"), instant(rs, "sent_at"), instant(rs, "replied_at"),
                instant(rs, "deadline_at")), sagaId);
        // Commands by their ids (the unique index); the saga's events (ordering key = saga id) and its
        // participants' replies (ordering key <participant>/<saga id>) while unsent, through the
        // PENDING and FAILED indexes.
        List<OutboxRow> outbox = jdbc.query("SELECT " + OUTBOX_COLUMNS + ", seq FROM sagaflow.outbox_message "
                + "WHERE message_id IN (SELECT command_id FROM sagaflow.saga_step WHERE saga_id = ?) "
                + "UNION SELECT " + OUTBOX_COLUMNS + ", seq FROM sagaflow.outbox_message "
                + "WHERE status IN ('PENDING', 'FAILED') AND (ordering_key = ? OR ordering_key LIKE ?) "
                + "ORDER BY seq", (rs, n) -> new OutboxRow(rs.getString("message_id"), rs.getString("message_type"),
                rs.getString("exchange"), rs.getString("routing_key"), rs.getString("status"), rs.getInt("attempts"),
                rs.getString("last_error"), instant(rs, "created_at"), instant(rs, "sent_at"),
                instant(rs, "next_attempt_at")), sagaId, sagaId, "%/" + sagaId);
        List<Parked> parked = jdbc.query("""
                SELECT id, consumer, queue, message_id, message_type, reason, parked_at FROM sagaflow.parked_message
                WHERE headers LIKE ? ORDER BY id
                """, (rs, n) -> new Parked(rs.getLong("id"), rs.getString("consumer"), rs.getString("queue"),
                rs.getString("message_id"), rs.getString("message_type"), rs.getString("reason"),
                instant(rs, "parked_at")), "%\"sagaflow-saga-id\":\"" + sagaId + "\"%");
        Optional<SagaRegistry.SagaRecord> saga = registry.find(sagaId);
        // Scheduled retries are message jobs with a due date and retries left (an incident has none left).
        List<NextTry> nextTries = jdbc.query("""
                SELECT e.act_id_, j.duedate_ FROM act_ru_job j JOIN act_ru_execution e ON e.id_ = j.execution_id_
                WHERE j.process_instance_id_ = ? AND j.handler_type_ = ? AND j.retries_ > 0 AND j.duedate_ IS NOT NULL
                ORDER BY j.duedate_
                """, (rs, n) -> new NextTry(rs.getString("act_id_"), rs.getTimestamp("duedate_").toInstant()), sagaId,
                StepRetryJobs.TYPE);
        return new Messages(sagaId, saga.map(SagaRegistry.SagaRecord::traceId).orElse(null), steps, outbox, parked,
                saga.map(SagaRegistry.SagaRecord::definitionVersion).orElse(null), nextTries, inputs.of(sagaId));
    }

    @Transactional(readOnly = true)
    public Overview overview() {
        Timestamp now = Timestamp.from(clock.instant());
        long pending = count("SELECT COUNT(*) FROM sagaflow.outbox_message WHERE status = 'PENDING'");
        Timestamp oldest = jdbc.queryForObject(
                "SELECT MIN(created_at) FROM sagaflow.outbox_message WHERE status = 'PENDING'", Timestamp.class);
        long failed = count("SELECT COUNT(*) FROM sagaflow.outbox_message WHERE status = 'FAILED'");
        // Newest failures first: those are the ones an operator is looking for.
        List<String> failedSagas = jdbc.queryForList("""
                SELECT s.saga_id FROM sagaflow.outbox_message o
                JOIN sagaflow.saga_step s ON s.command_id = o.message_id
                WHERE o.status = 'FAILED' ORDER BY o.seq DESC LIMIT ?""", String.class, AFFECTED * 5)
                .stream().distinct().limit(AFFECTED).toList();
        long parked = count("SELECT COUNT(*) FROM sagaflow.parked_message");
        List<String> parkedSagas = jdbc.queryForList("SELECT headers FROM sagaflow.parked_message ORDER BY id DESC "
                + "LIMIT 200", String.class).stream().map(SagaMessages::sagaIdIn).filter(id -> id != null)
                .distinct().limit(AFFECTED).toList();
        long halfParked = count("SELECT COUNT(*) FROM sagaflow.tx_message WHERE state = 'PARKED'");
        long pastDeadline = jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.saga_step "
                + "WHERE status IN ('WAITING', 'OVERDUE') AND deadline_at < ?", Long.class, now);
        List<String> pastDeadlineSagas = jdbc.queryForList("SELECT DISTINCT saga_id FROM sagaflow.saga_step "
                + "WHERE status IN ('WAITING', 'OVERDUE') AND deadline_at < ? ORDER BY saga_id LIMIT ?", String.class, now,
                AFFECTED);
        Admission.State admitting = admission.state();
        return new Overview(pending, oldest == null ? null : Math.max(0, (now.getTime() - oldest.getTime()) / 1000),
                failed, failedSagas, parked, parkedSagas, halfParked, pastDeadline, pastDeadlineSagas,
                admitting.shedding(), admitting.reason(), SagasOnVersion.withLatest(registry.runningByVersion(null, null), repository));
    }

    private long count(String sql) {
        Long count = jdbc.queryForObject(sql, Long.class);
        return count == null ? 0 : count;
    }

    /** The saga id in a parked message's stored headers (JSON), if it names one. */
    private static String sagaIdIn(String headers) {
        String key = "\"sagaflow-saga-id\":\"";
        int start = headers == null ? -1 : headers.indexOf(key);
        if (start < 0) {
            return null;
        }
        int end = headers.indexOf('"', start + key.length());
        return end < 0 ? null : headers.substring(start + key.length(), end);
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp value = rs.getTimestamp(column);
        return value == null ? null : value.toInstant();
    }
}
