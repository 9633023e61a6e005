package io.sagaflow.saga;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import io.sagaflow.contract.Operation;
import io.sagaflow.contract.Topology;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The commands sagas sent and how they were answered ({@code sagaflow.saga_step}). The reply to a
 * command is matched by the command id alone, so a reply can never complete a different wait.
 * Answers get a per-saga completion sequence, which orders steps independent of clocks; reverse-order
 * compensation is decided on it.
 */
@Component
class SagaSteps {

    /**
     * One attempt of a step's command as saga_step holds it.
     *
     * @param deadlineAt when the deadline passes; {@code null} while QUEUED
     */
    record SentCommand(String commandId, StepCommand command, int attempt, StepStatus status, String reason,
                       Instant deadlineAt) {
    }

    private static final RowMapper<SentCommand> ROW = (rs, n) -> new SentCommand(rs.getString("command_id"),
            new StepCommand(
                    new StepCommand.Saga(rs.getString("saga_id"), rs.getString("business_key"),
                            rs.getString("process_key")),
                    new StepCommand.Origin(rs.getString("execution_id"), rs.getString("activity_id"),
                            rs.getString("step")),
                    new StepCommand.Request(Operation.valueOf(rs.getString("op")), rs.getString("command"),
                            rs.getString("payload")),
                    new StepCommand.Terms(
                            rs.getObject("deadline_millis") == null ? null
                                    : Duration.ofMillis(rs.getLong("deadline_millis")),
                            rs.getBoolean("compensable"), false)),
            rs.getInt("attempt"), StepStatus.valueOf(rs.getString("status")), rs.getString("reason"),
            rs.getTimestamp("deadline_at") == null ? null : rs.getTimestamp("deadline_at").toInstant());

    private final JdbcTemplate jdbc;
    private final Clock clock;

    SagaSteps(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * Records a command as WAITING (sent now) or QUEUED (a compensation waiting for its turn), as the
     * next attempt of its step and operation (an instance of a multi-instance step is a step of its
     * own): counted in the insert itself, not by a query before it (docs/performance.md).
     *
     * @return the command with its attempt, which its message carries
     */
    @Transactional(propagation = Propagation.MANDATORY)
    SentCommand record(SentCommand sent) {
        StepCommand command = sent.command();
        KeyHolder attempt = new GeneratedKeyHolder();
        jdbc.update(connection -> {
            PreparedStatement insert = connection.prepareStatement("""
                    INSERT INTO sagaflow.saga_step (command_id, saga_id, execution_id, activity_id, step, op, command,
                        attempt, status, sent_at, deadline_at, payload, business_key, process_key, compensable,
                        deadline_millis)
                    VALUES (?, ?, ?, ?, ?, ?, ?,
                        (SELECT COUNT(*) + 1 FROM sagaflow.saga_step WHERE saga_id = ? AND step = ? AND op = ?),
                        ?, ?, ?, ?, ?, ?, ?, ?)
                    """, new String[] {"attempt"});
            Object[] values = {sent.commandId(), command.sagaId(), command.executionId(), command.activityId(),
                    command.step(), command.op().name(), command.command(), command.sagaId(), command.step(),
                    command.op().name(), sent.status().name(), Timestamp.from(clock.instant()),
                    timestamp(sent.deadlineAt()), command.payload(), command.businessKey(), command.processKey(),
                    command.terms().compensable(), command.deadline() == null ? null : command.deadline().toMillis()};
            for (int i = 0; i < values.length; i++) {
                insert.setObject(i + 1, values[i]);
            }
            return insert;
        }, attempt);
        return new SentCommand(sent.commandId(), command, attempt.getKeyAs(Number.class).intValue(), sent.status(),
                sent.reason(), sent.deadlineAt());
    }

    /** A queued compensation whose turn has come is sent now; its deadline starts now. */
    @Transactional(propagation = Propagation.MANDATORY)
    boolean release(String commandId, Instant deadlineAt) {
        return jdbc.update("""
                UPDATE sagaflow.saga_step SET status = 'WAITING', sent_at = ?, deadline_at = ?
                WHERE command_id = ? AND status = 'QUEUED'
                """, Timestamp.from(clock.instant()), timestamp(deadlineAt), commandId) == 1;
    }

    Optional<SentCommand> find(String commandId) {
        return jdbc.query("SELECT * FROM sagaflow.saga_step WHERE command_id = ?", ROW, commandId).stream()
                .findFirst();
    }

    /**
     * The command, locked until the caller's transaction ends: the reply and the deadline judgment of
     * one command are handled one after the other, never side by side by two consumers.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    Optional<SentCommand> lock(String commandId) {
        return jdbc.query("SELECT * FROM sagaflow.saga_step WHERE command_id = ? FOR UPDATE", ROW, commandId).stream()
                .findFirst();
    }

    /**
     * Records the final state of a waiting or overdue command (a deadline, an abort, a notice).
     *
     * An UNDELIVERED command still takes its answer: an operator who fixed the route requeued it.
     *
     * @return {@code false} if the command was no longer waiting
     */
    @Transactional(propagation = Propagation.MANDATORY)
    boolean recordAnswer(String commandId, StepStatus status, String reason) {
        return recordAnswer(commandId, status, reason, 0);
    }

    /** {@link #recordAnswer} for the reply that answers the command: counted as received. */
    @Transactional(propagation = Propagation.MANDATORY)
    boolean recordReply(String commandId, StepStatus status, String reason) {
        return recordAnswer(commandId, status, reason, 1);
    }

    /**
     * Answers a command (status, reason, replied_at, replies counted, command id twice) with the next
     * completion sequence of its saga, if its status is one of the list appended to it.
     */
    private static final String ANSWER = """
            UPDATE sagaflow.saga_step
            SET status = ?, reason = ?, replied_at = ?, replies_received = replies_received + ?,
                completion_seq = (SELECT COALESCE(MAX(s.completion_seq), 0) + 1
                                  FROM sagaflow.saga_step s
                                  WHERE s.saga_id = (SELECT saga_id FROM sagaflow.saga_step
                                                     WHERE command_id = ?))
            WHERE command_id = ? AND status IN """;

    /** What {@link #answerWaiting} reads back of the row it answered: the columns {@link #ROW} maps. */
    private static final String[] ROW_COLUMNS = {"command_id", "saga_id", "business_key", "process_key",
            "execution_id", "activity_id", "step", "op", "command", "payload", "deadline_millis", "compensable",
            "attempt", "status", "reason", "deadline_at"};

    /**
     * The usual reply: answers a WAITING command and reads it back, in one statement that also takes
     * the row's lock (a lock, a read and an answer were two statements, docs/performance.md). The row
     * is locked before the engine is touched, the order an abort takes too.
     *
     * @return the answered command, or empty if it did not wait (OVERDUE, UNDELIVERED, answered,
     *         cancelled, unknown): then {@link #lock} it and look
     */
    @Transactional(propagation = Propagation.MANDATORY)
    Optional<SentCommand> answerWaiting(String commandId, StepStatus status, String reason) {
        return jdbc.execute(connection -> {
            PreparedStatement update = connection.prepareStatement(ANSWER + "('WAITING')", ROW_COLUMNS);
            update.setString(1, status.name());
            update.setString(2, truncate(reason));
            update.setTimestamp(3, Timestamp.from(clock.instant()));
            update.setInt(4, 1);
            update.setString(5, commandId);
            update.setString(6, commandId);
            return update;
        }, (PreparedStatement update) -> {
            update.executeUpdate();
            try (ResultSet answered = update.getGeneratedKeys()) {
                return answered.next() ? Optional.of(ROW.mapRow(answered, 0)) : Optional.<SentCommand>empty();
            }
        });
    }

    /**
     * Takes back {@link #answerWaiting}'s answer when the engine no longer waits for it (the
     * execution is gone): the row waits as before, with the reply counted. A WAITING row has no
     * reason, reply time or completion sequence, so nothing else is lost.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    void takeBackAnswer(String commandId) {
        jdbc.update("""
                UPDATE sagaflow.saga_step SET status = 'WAITING', reason = NULL, replied_at = NULL, completion_seq = NULL
                WHERE command_id = ?
                """, commandId);
    }

    /** A reply that came after its command was answered (late or repeated): counted, nothing else. */
    @Transactional(propagation = Propagation.MANDATORY)
    void recordStaleReply(String commandId) {
        jdbc.update("UPDATE sagaflow.saga_step SET replies_received = replies_received + 1 WHERE command_id = ?",
                commandId);
    }

    private boolean recordAnswer(String commandId, StepStatus status, String reason, int replies) {
        return jdbc.update(ANSWER + "('WAITING', 'OVERDUE', 'UNDELIVERED')", status.name(), truncate(reason),
                Timestamp.from(clock.instant()), replies, commandId, commandId) == 1;
    }

    /**
     * A claimed overdue command whose deadline-passed message is on its way through the replies queue;
     * {@code deadline_at} becomes the moment it was sent, from which {@link #claimOverdue} sends it
     * again if it is not judged within {@link #JUDGMENT_RECHECK}.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    boolean markOverdue(String commandId) {
        return jdbc.update("""
                UPDATE sagaflow.saga_step SET status = 'OVERDUE', deadline_at = ?
                WHERE command_id = ? AND status IN ('WAITING', 'OVERDUE')
                """, Timestamp.from(clock.instant()), commandId) == 1;
    }

    /**
     * An OVERDUE step whose deadline-passed message was not judged this long after it was sent gets
     * another one: a message the outbox gave up on (FAILED) must not leave the step waiting for ever,
     * and a repeat is harmless (the first to be read judges, the others find the step answered).
     */
    static final Duration JUDGMENT_RECHECK = Duration.ofMinutes(1);

    /** A claimed overdue command that has not left the outbox yet: its deadline counts from now. */
    @Transactional(propagation = Propagation.MANDATORY)
    void postponeDeadline(String commandId, Instant deadlineAt) {
        jdbc.update("UPDATE sagaflow.saga_step SET deadline_at = ? WHERE command_id = ? AND status = 'WAITING'",
                Timestamp.from(deadlineAt), commandId);
    }

    /** The command an execution waits for in an activity (WAITING or OVERDUE), if any. */
    Optional<SentCommand> findOpen(String executionId, String activityId) {
        return jdbc.query("""
                SELECT * FROM sagaflow.saga_step
                WHERE execution_id = ? AND activity_id = ? AND status IN ('WAITING', 'OVERDUE')
                """, ROW, executionId, activityId).stream().findFirst();
    }

    /** The latest-ended instance of a step (the step name with its loop counter) whose compensation was not sent. */
    String latestUncompensatedInstance(String sagaId, String activityId) {
        return jdbc.queryForList("""
                SELECT a.step FROM sagaflow.saga_step a
                WHERE a.saga_id = ? AND a.activity_id = ? AND a.op = 'ACTION'
                  AND a.status IN ('SUCCEEDED', 'TIMED_OUT', 'CANCELLED')
                  AND NOT EXISTS (SELECT 1 FROM sagaflow.saga_step c
                                  WHERE c.saga_id = a.saga_id AND c.op = 'COMPENSATION' AND c.step = a.step)
                ORDER BY a.completion_seq DESC
                """, String.class, sagaId, activityId).stream().findFirst().orElse(null);
    }

    /** The forward commands an execution sent from an activity: how many, and when the first. */
    StepCommands.Attempts forwardAttempts(String executionId, String activityId) {
        return jdbc.queryForObject("""
                SELECT COUNT(*) AS sent, MIN(sent_at) AS first_sent FROM sagaflow.saga_step
                WHERE execution_id = ? AND activity_id = ? AND op = 'ACTION'
                """, (rs, n) -> new StepCommands.Attempts(rs.getInt("sent"),
                rs.getTimestamp("first_sent") == null ? clock.instant() : rs.getTimestamp("first_sent").toInstant()),
                executionId, activityId);
    }

    /** The step name of the latest forward command the activity sent (see StepCommands#forwardStepName). */
    String forwardStepName(String sagaId, String activityId) {
        return jdbc.queryForList("""
                SELECT step FROM sagaflow.saga_step WHERE saga_id = ? AND activity_id = ? AND op = 'ACTION'
                ORDER BY sent_at DESC, command_id
                """, String.class, sagaId, activityId).stream().findFirst().orElse(null);
    }

    /** Answered commands of a saga in the order they were answered. */
    List<SentCommand> answered(String sagaId) {
        return jdbc.query("""
                SELECT * FROM sagaflow.saga_step
                WHERE saga_id = ? AND completion_seq IS NOT NULL
                ORDER BY completion_seq
                """, ROW, sagaId);
    }

    /**
     * Commands that an execution of the saga is waiting for or that ended in a failure it waits on,
     * the latest attempt first (an incident's Retry sent a newer one).
     */
    List<SentCommand> open(String sagaId) {
        return jdbc.query("""
                SELECT * FROM sagaflow.saga_step
                WHERE saga_id = ? AND status IN ('WAITING', 'OVERDUE', 'QUEUED', 'FAILED', 'UNDELIVERED')
                ORDER BY sent_at DESC, attempt DESC
                """, ROW, sagaId);
    }

    /**
     * Locks the saga's open steps, as a reply locks the step it answers before it moves the engine:
     * an abort that takes them first waits for a reply being correlated (or makes it stale) instead
     * of racing it on the engine's rows (a deadlock, or an optimistic-locking failure).
     *
     * @return the command ids locked, in command id order
     */
    @Transactional(propagation = Propagation.MANDATORY)
    List<String> lockOpen(String sagaId) {
        return jdbc.queryForList("""
                SELECT command_id FROM sagaflow.saga_step
                WHERE saga_id = ? AND status IN ('WAITING', 'OVERDUE', 'QUEUED', 'FAILED', 'UNDELIVERED')
                ORDER BY command_id FOR UPDATE
                """, String.class, sagaId);
    }

    boolean anyCompensation(String sagaId) {
        Integer count = jdbc.queryForObject(
                "SELECT COUNT(*) FROM sagaflow.saga_step WHERE saga_id = ? AND op = 'COMPENSATION'",
                Integer.class, sagaId);
        return count != null && count > 0;
    }

    /**
     * Claims waiting commands past their deadline; other instances skip the claimed rows until this
     * transaction ends. A command to a paused participant ({@link ParticipantPauses}) is not claimed:
     * its deadline stands still until the participant is resumed.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    List<SentCommand> claimOverdue(int limit) {
        return jdbc.query("""
                SELECT * FROM sagaflow.saga_step s
                WHERE (s.status = 'WAITING' AND s.deadline_at <= ?
                       AND (NOT EXISTS (SELECT 1 FROM sagaflow.outbox_hold)
                            OR NOT EXISTS (SELECT 1 FROM sagaflow.outbox_hold h
                                           WHERE h.exchange = ?
                                             AND LEFT(s.command, LENGTH(h.routing_key_prefix)) = h.routing_key_prefix)))
                   OR (s.status = 'OVERDUE' AND s.deadline_at <= ?)
                ORDER BY s.deadline_at
                LIMIT ?
                FOR UPDATE SKIP LOCKED
                """, ROW, Timestamp.from(clock.instant()), Topology.COMMANDS_EXCHANGE,
                Timestamp.from(clock.instant().minus(JUDGMENT_RECHECK)), limit);
    }

    List<SentCommand> queuedCompensations(String sagaId) {
        return jdbc.query("""
                SELECT * FROM sagaflow.saga_step WHERE saga_id = ? AND status = 'QUEUED' ORDER BY sent_at
                """, ROW, sagaId);
    }

    /**
     * Reverse order: the compensation of {@code step} may go once every compensable step that
     * completed after it has been compensated successfully. A step whose outcome became unknown
     * (TIMED_OUT, CANCELLED) is compensated too, so it counts as completed.
     */
    boolean isCompensationTurn(String sagaId, String step) {
        Integer laterUncompensated = jdbc.queryForObject("""
                SELECT COUNT(*) FROM sagaflow.saga_step later
                WHERE later.saga_id = ? AND later.op = 'ACTION' AND later.compensable
                  AND later.status IN ('SUCCEEDED', 'TIMED_OUT', 'CANCELLED')
                  AND later.completion_seq > (
                      SELECT MAX(done.completion_seq) FROM sagaflow.saga_step done
                      WHERE done.saga_id = ? AND done.op = 'ACTION' AND done.step = ? AND done.status = 'SUCCEEDED')
                  AND NOT EXISTS (
                      SELECT 1 FROM sagaflow.saga_step undone
                      WHERE undone.saga_id = later.saga_id AND undone.op = 'COMPENSATION'
                        AND undone.step = later.step AND undone.status = 'SUCCEEDED')
                """, Integer.class, sagaId, sagaId, step);
        return laterUncompensated == null || laterUncompensated == 0;
    }

    private static Timestamp timestamp(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }

    private static String truncate(String reason) {
        return reason == null || reason.length() <= 2000 ? reason : reason.substring(0, 2000);
    }
}
