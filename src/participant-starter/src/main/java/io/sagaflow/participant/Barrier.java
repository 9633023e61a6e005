package io.sagaflow.participant;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.contract.Operation;
import io.sagaflow.contract.Outcome;
import io.sagaflow.contract.ReplyBody;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The sub-transaction barrier, keyed by (participant, saga, step, op). The first answer to a key is
 * stored with the business change, in the same transaction, and is the answer to every repeat.
 *
 * <ul>
 *   <li>repeated action or compensation: the stored answer, no second effect;</li>
 *   <li>compensation before any action (null compensation): recorded, answered SUCCESS, no change;
 *       it also stores a rejection as the action's answer, so an action arriving later is refused
 *       (hanging) instead of leaving an effect nobody will undo;</li>
 *   <li>compensation of an action that did not succeed: SUCCESS, nothing to undo.</li>
 * </ul>
 * Racing deliveries of one key collide on the primary key; the loser rolls back and its retry
 * sees the winner's answer.
 */
@Component
class Barrier {

    static final String HANGING_REASON = "hanging action: compensation was processed before the action arrived";

    private final JdbcTemplate jdbc;
    private final ObjectMapper objectMapper;
    private final Clock clock;
    private final MeterRegistry meters;

    Barrier(JdbcTemplate jdbc, ObjectMapper objectMapper, Clock clock, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.objectMapper = objectMapper;
        this.clock = clock;
        this.meters = meters;
    }

    @Transactional(propagation = Propagation.MANDATORY)
    ReplyBody guard(String participant, Command command, Supplier<ReplyBody> businessChange) {
        Optional<ReplyBody> earlier = answer(participant, command, command.op());
        if (earlier.isPresent()) {
            if (command.op() == Operation.ACTION && HANGING_REASON.equals(earlier.get().reason())) {
                meters.counter("sagaflow.barrier.hanging", "participant", participant).increment();
            }
            return earlier.get();
        }
        ReplyBody reply = command.op() == Operation.ACTION
                ? businessChange.get()
                : compensate(participant, command, businessChange);
        record(participant, command, command.op(), reply);
        return reply;
    }

    private ReplyBody compensate(String participant, Command command, Supplier<ReplyBody> undo) {
        Optional<ReplyBody> action = answer(participant, command, Operation.ACTION);
        if (action.isEmpty()) {
            record(participant, command, Operation.ACTION, ReplyBody.businessFailure(HANGING_REASON));
            meters.counter("sagaflow.barrier.null-compensations", "participant", participant).increment();
            return ReplyBody.success(Map.of());
        }
        if (action.get().outcome() != Outcome.SUCCESS) {
            return ReplyBody.success(Map.of()); // the action changed nothing, so there is nothing to undo
        }
        return undo.get();
    }

    private Optional<ReplyBody> answer(String participant, Command command, Operation op) {
        return jdbc.query("""
                SELECT outcome, reason, result FROM sagaflow.participant_barrier
                WHERE participant = ? AND saga_id = ? AND step = ? AND op = ?
                """, (rs, n) -> new ReplyBody(Outcome.valueOf(rs.getString("outcome")), rs.getString("reason"),
                readResult(rs.getString("result"))), participant, command.sagaId(), command.step(), op.name())
                .stream().findFirst();
    }

    private void record(String participant, Command command, Operation op, ReplyBody reply) {
        jdbc.update("""
                INSERT INTO sagaflow.participant_barrier
                    (participant, saga_id, step, op, outcome, reason, result, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, participant, command.sagaId(), command.step(), op.name(), reply.outcome().name(),
                reply.reason(), writeResult(reply.result()), Timestamp.from(clock.instant()));
    }

    private Map<String, Object> readResult(String json) {
        try {
            return json == null ? Map.of() : objectMapper.readValue(json, new TypeReference<Map<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable barrier result", e);
        }
    }

    private String writeResult(Map<String, Object> result) {
        try {
            return objectMapper.writeValueAsString(result);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("reply result is not serializable", e);
        }
    }
}
