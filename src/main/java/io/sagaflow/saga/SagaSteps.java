package io.sagaflow.saga;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

import io.sagaflow.messaging.Operation;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The commands sagas sent and how they were answered ({@code sagaflow.saga_step}). The reply to a
 * command is matched by the command id alone, so a reply can never complete a different wait.
 * Answers get a per-saga completion sequence, which orders steps independent of clocks.
 */
@Component
class SagaSteps {

    /** One command of one step activity. */
    record SentCommand(String commandId, String sagaId, String executionId, String activityId, String step,
                       Operation op, String command, int attempt, StepStatus status, String reason) {
    }

    private static final RowMapper<SentCommand> ROW = (rs, n) -> new SentCommand(rs.getString("command_id"),
            rs.getString("saga_id"), rs.getString("execution_id"), rs.getString("activity_id"), rs.getString("step"),
            Operation.valueOf(rs.getString("op")), rs.getString("command"), rs.getInt("attempt"),
            StepStatus.valueOf(rs.getString("status")), rs.getString("reason"));

    private final JdbcTemplate jdbc;
    private final Clock clock;

    SagaSteps(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    @Transactional(propagation = Propagation.MANDATORY)
    int nextAttempt(String sagaId, String activityId) {
        Integer sent = jdbc.queryForObject(
                "SELECT COUNT(*) FROM sagaflow.saga_step WHERE saga_id = ? AND activity_id = ?",
                Integer.class, sagaId, activityId);
        return (sent == null ? 0 : sent) + 1;
    }

    @Transactional(propagation = Propagation.MANDATORY)
    void recordSent(SentCommand command) {
        jdbc.update("""
                INSERT INTO sagaflow.saga_step (command_id, saga_id, execution_id, activity_id, step, op, command,
                    attempt, status, sent_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, command.commandId(), command.sagaId(), command.executionId(), command.activityId(),
                command.step(), command.op().name(), command.command(), command.attempt(),
                StepStatus.WAITING.name(), Timestamp.from(clock.instant()));
    }

    Optional<SentCommand> find(String commandId) {
        return jdbc.query("SELECT * FROM sagaflow.saga_step WHERE command_id = ?", ROW, commandId).stream()
                .findFirst();
    }

    /**
     * Records the answer of a waiting command.
     *
     * @return {@code false} if the command was no longer waiting (a stale or repeated reply)
     */
    @Transactional(propagation = Propagation.MANDATORY)
    boolean recordAnswer(String commandId, StepStatus status, String reason) {
        return jdbc.update("""
                UPDATE sagaflow.saga_step
                SET status = ?, reason = ?, replied_at = ?,
                    completion_seq = (SELECT COALESCE(MAX(s.completion_seq), 0) + 1
                                      FROM sagaflow.saga_step s
                                      WHERE s.saga_id = (SELECT saga_id FROM sagaflow.saga_step
                                                         WHERE command_id = ?))
                WHERE command_id = ? AND status = 'WAITING'
                """, status.name(), reason, Timestamp.from(clock.instant()), commandId, commandId) == 1;
    }

    /** Answered commands of a saga in the order they were answered. */
    List<SentCommand> answered(String sagaId) {
        return jdbc.query("""
                SELECT * FROM sagaflow.saga_step
                WHERE saga_id = ? AND completion_seq IS NOT NULL
                ORDER BY completion_seq
                """, ROW, sagaId);
    }
}
