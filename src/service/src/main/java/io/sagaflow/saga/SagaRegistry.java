package io.sagaflow.saga;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.sagaflow.outbox.Outbox;
import io.sagaflow.start.SagaStatus;
import io.sagaflow.tracing.SagaTracing;
import org.camunda.bpm.engine.repository.ProcessDefinition;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * One row per saga ({@code sagaflow.saga}), written by the engine's own start and end of the
 * process instance, so no entry point can bypass it:
 * <ul>
 *   <li>start: inserted in the start transaction; its unique (process key, business key) is what
 *       makes a second start of the same business transaction fail in the database, whoever calls;</li>
 *   <li>end: RUNNING/FAILED → COMPLETED, COMPENSATED or FAILED in the transaction that ends the saga,
 *       together with the saga-end event in the outbox ({@link SagaEvents});</li>
 *   <li>incident: RUNNING → FAILED (with its event) while an operator is needed, back to RUNNING on Retry.</li>
 * </ul>
 */
@Component
class SagaRegistry {

    /** A saga as the registry keeps it. */
    record SagaRecord(String sagaId, String processKey, String businessKey, String inputHash,
                             SagaStatus status, String reason, String reasonStep, Instant startedAt, Instant endedAt, String startedBy,
                             String traceparent, String definitionId, Integer definitionVersion) {

        public String traceId() {
            return SagaTracing.traceIdOf(traceparent);
        }
    }

    private static final RowMapper<SagaRecord> ROW = (rs, n) -> new SagaRecord(rs.getString("saga_id"),
            rs.getString("process_key"), rs.getString("business_key"), rs.getString("input_hash"),
            SagaStatus.valueOf(rs.getString("status")), rs.getString("reason"), rs.getString("reason_step"),
            rs.getTimestamp("started_at").toInstant(),
            rs.getTimestamp("ended_at") == null ? null : rs.getTimestamp("ended_at").toInstant(),
            rs.getString("started_by"), rs.getString("traceparent"), rs.getString("definition_id"),
            (Integer) rs.getObject("definition_version", Integer.class));

    private static final int MAX_REASON_LENGTH = 2000;

    private final JdbcTemplate jdbc;
    private final SagaInputs inputs;
    private final Outbox outbox;
    private final SagaEvents events;
    private final Clock clock;
    private final SagaTracing tracing;
    private final SagaMetrics metrics;

    SagaRegistry(JdbcTemplate jdbc, Outbox outbox, SagaEvents events, Clock clock, SagaTracing tracing,
                 SagaMetrics metrics, SagaInputs inputs) {
        this.inputs = inputs;
        this.tracing = tracing;
        this.metrics = metrics;
        this.jdbc = jdbc;
        this.outbox = outbox;
        this.events = events;
        this.clock = clock;
    }

    /** A saga's own deadline, from its model: how long after its start, and what then. */
    record SagaDeadline(java.time.Duration after, SagaModel.OnSagaDeadline action) {
    }

    /** A running saga whose saga deadline has passed, claimed for judgment. */
    record OverdueSaga(String sagaId, String processKey, Instant deadlineAt, SagaModel.OnSagaDeadline action) {
    }

    /**
     * Claims a running saga past its saga deadline that has not been judged yet; other instances skip
     * it until this transaction ends, and {@link #deadlinePassed} makes sure it is judged once.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    Optional<OverdueSaga> claimPastDeadline() {
        return jdbc.query("""
                SELECT saga_id, process_key, deadline_at, deadline_action FROM sagaflow.saga
                WHERE deadline_at <= ? AND status IN ('RUNNING', 'FAILED') AND deadline_passed_at IS NULL
                ORDER BY deadline_at
                LIMIT 1
                FOR UPDATE SKIP LOCKED
                """, (rs, n) -> new OverdueSaga(rs.getString("saga_id"), rs.getString("process_key"),
                rs.getTimestamp("deadline_at").toInstant(), SagaModel.OnSagaDeadline.valueOf(rs.getString("deadline_action"))),
                Timestamp.from(clock.instant())).stream().findFirst();
    }

    @Transactional(propagation = Propagation.MANDATORY)
    void deadlinePassed(String sagaId) {
        jdbc.update("UPDATE sagaflow.saga SET deadline_passed_at = ? WHERE saga_id = ?", Timestamp.from(clock.instant()),
                sagaId);
    }

    /** Sagas not ended whose saga deadline has passed (the gauge {@code sagaflow.sagas.past-deadline}). */
    long pastDeadline() {
        Long count = jdbc.queryForObject("""
                SELECT COUNT(*) FROM sagaflow.saga WHERE deadline_at <= ? AND status IN ('RUNNING', 'FAILED')
                """, Long.class, Timestamp.from(clock.instant()));
        return count == null ? 0 : count;
    }

    /**
     * Registers a starting saga. Throws the database's duplicate-key error if a saga of this process
     * with this business key exists (running or ended and not yet deleted by retention).
     *
     * @param variables what the input fingerprint is taken of
     * @param input the input handed over as one document ({@link SagaInputs}), stored with the row;
     *     {@code null} for a start that set variables
     */
    @Transactional(propagation = Propagation.MANDATORY)
    void started(String sagaId, ProcessDefinition definition, String businessKey, Map<String, Object> variables,
                 Map<String, Object> input, SagaDeadline deadline) {
        String processKey = definition.getKey();
        Instant now = clock.instant();
        jdbc.update("""
                INSERT INTO sagaflow.saga (saga_id, process_key, business_key, input_hash, status, started_at,
                    started_by, traceparent, definition_id, definition_version, deadline_at, deadline_action, input)
                VALUES (?, ?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?, ?)
                """, sagaId, processKey, businessKey, InputFingerprint.of(variables),
                Timestamp.from(now), caller(), tracing.currentTraceparent(), definition.getId(),
                definition.getVersion(), deadline == null ? null : Timestamp.from(now.plus(deadline.after())),
                deadline == null ? null : deadline.action().name(), input == null ? null : inputs.json(input));
        if (input != null) {
            inputs.remember(sagaId, input);
        }
        // Counted when the start commits: a start that rolls back (a lost race for its business key,
        // a failure later in its transaction) started nothing.
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                metrics.started(processKey);
            }
        });
    }

    /** Who started it: the authenticated caller of a REST start; none for a start from a message. */
    private static String caller() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        return authentication == null || !authentication.isAuthenticated() ? null : authentication.getName();
    }

    /**
     * Records how the saga ended and writes its saga-end event, once: the update only matches a saga
     * that has not ended yet.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    void ended(String sagaId, SagaStatus status, String reason, String reasonStep) {
        Instant now = clock.instant();
        int updated = jdbc.update("""
                UPDATE sagaflow.saga SET status = ?, reason = ?, reason_step = ?, ended_at = ?
                WHERE saga_id = ? AND ended_at IS NULL
                """, status.name(), bounded(reason), reasonStep, Timestamp.from(now), sagaId);
        if (updated == 1) {
            find(sagaId).ifPresent(saga -> {
                outbox.append(events.sagaEvent(saga));
                metrics.ended(saga.processKey(), status);
            });
        }
    }

    /** An incident was raised: the saga waits for an operator. One event per RUNNING → FAILED change. */
    @Transactional(propagation = Propagation.MANDATORY)
    void failed(String sagaId, String reason, String reasonStep) {
        int updated = jdbc.update("""
                UPDATE sagaflow.saga SET status = 'FAILED', reason = ?, reason_step = ?
                WHERE saga_id = ? AND status = 'RUNNING' AND ended_at IS NULL
                """, bounded(reason), reasonStep, sagaId);
        if (updated == 1) {
            find(sagaId).ifPresent(saga -> {
                outbox.append(events.sagaEvent(saga));
                metrics.failed(saga.processKey());
            });
        }
    }

    /** The operator resolved the incident (Retry): the saga runs again. */
    @Transactional(propagation = Propagation.MANDATORY)
    void resumed(String sagaId) {
        jdbc.update("""
                UPDATE sagaflow.saga SET status = 'RUNNING', reason = NULL, reason_step = NULL
                WHERE saga_id = ? AND status = 'FAILED' AND ended_at IS NULL
                """, sagaId);
    }

    /** The saga's stored trace context, to continue its trace from a job or a scheduler. */
    String traceparentOf(String sagaId) {
        return jdbc.query("SELECT traceparent FROM sagaflow.saga WHERE saga_id = ?", (rs, n) -> rs.getString(1),
                sagaId).stream().findFirst().orElse(null);
    }

    Optional<SagaRecord> find(String sagaId) {
        return jdbc.query("SELECT * FROM sagaflow.saga WHERE saga_id = ?", ROW, sagaId).stream().findFirst();
    }

    Optional<SagaRecord> find(String processKey, String businessKey) {
        return jdbc.query("SELECT * FROM sagaflow.saga WHERE process_key = ? AND business_key = ?", ROW,
                processKey, businessKey).stream().findFirst();
    }

    /**
     * One page of sagas matching the filters, newest first (ties broken by saga id), and one row
     * more than asked for, so the caller knows whether a next page exists without counting.
     */
    List<SagaRecord> search(SagaQuery query) {
        SearchStatement statement = searchStatement(query);
        return jdbc.query(statement.sql(), ROW, statement.arguments().toArray());
    }

    /** The exact SQL of a search, package-visible so its plan can be checked on PostgreSQL. */
    record SearchStatement(String sql, List<Object> arguments) {
    }

    static SearchStatement searchStatement(SagaQuery query) {
        StringBuilder sql = new StringBuilder("SELECT * FROM sagaflow.saga WHERE 1 = 1");
        List<Object> arguments = new ArrayList<>();
        if (query.processKey() != null) {
            sql.append(" AND process_key = ?");
            arguments.add(query.processKey());
        }
        if (query.businessKey() != null) {
            sql.append(" AND business_key = ?");
            arguments.add(query.businessKey());
        }
        if (query.status() != null) {
            sql.append(" AND status = ?");
            arguments.add(query.status().name());
        }
        if (query.startedAfter() != null) {
            sql.append(" AND started_at > ?");
            arguments.add(Timestamp.from(query.startedAfter()));
        }
        if (query.definitionVersion() != null) {
            sql.append(" AND definition_version = ?");
            arguments.add(query.definitionVersion());
        }
        if (query.startedBy() != null) {
            sql.append(" AND started_by = ?");
            arguments.add(query.startedBy());
        }
        if (query.pastDeadline()) {
            // Acted on by the deadline watcher (compensating or compensated, or in an incident): within
            // a second of the deadline (sagaflow.saga.deadline-check-interval).
            sql.append(" AND deadline_passed_at IS NOT NULL");
        }
        sql.append(" ORDER BY started_at DESC, saga_id DESC LIMIT ? OFFSET ?");
        arguments.add(query.size() + 1);
        arguments.add((long) query.page() * query.size());
        return new SearchStatement(sql.toString(), arguments);
    }

    /**
     * How many sagas run on each version of each saga definition; {@code startedBy} limits the count
     * to one caller's sagas. A null version: sagas started before versions were recorded.
     */
    List<SagasOnVersion> runningByVersion(String processKey, String startedBy) {
        StringBuilder sql = new StringBuilder("SELECT process_key, definition_version, COUNT(*) AS running "
                + "FROM sagaflow.saga WHERE ended_at IS NULL");
        List<Object> arguments = new ArrayList<>();
        if (processKey != null) {
            sql.append(" AND process_key = ?");
            arguments.add(processKey);
        }
        if (startedBy != null) {
            sql.append(" AND started_by = ?");
            arguments.add(startedBy);
        }
        sql.append(" GROUP BY process_key, definition_version ORDER BY process_key, definition_version");
        return jdbc.query(sql.toString(), (rs, n) -> new SagasOnVersion(rs.getString("process_key"),
                (Integer) rs.getObject("definition_version", Integer.class), rs.getLong("running"), null),
                arguments.toArray());
    }

    private static String bounded(String reason) {
        return reason == null || reason.length() <= MAX_REASON_LENGTH ? reason : reason.substring(0, MAX_REASON_LENGTH);
    }
}
