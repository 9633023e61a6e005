package io.sagaflow.saga;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.Operation;
import io.sagaflow.contract.ReplyBody;
import io.sagaflow.contract.SagaHeaders;
import io.sagaflow.contract.Topology;
import io.sagaflow.errors.DomainException;
import io.sagaflow.messaging.InboundMessage;
import io.sagaflow.messaging.PoisonMessageException;
import io.sagaflow.messaging.TransactionalConsumer;
import io.sagaflow.outbox.Outbox;
import io.sagaflow.outbox.OutboxMessage;
import io.sagaflow.start.SagaStatus;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.interceptor.CommandExecutor;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Sub-sagas: a call activity in a saga is a step of its parent, and the orchestrator is its
 * participant. The step sends {@value SagaModel#SUB_SAGA_START_COMMAND} through the outbox like any
 * command; this consumer starts the called saga with the parent's business key and links the two
 * ({@code sagaflow.sub_saga}). The sub-saga runs its steps; when every path of it has reached its end
 * it does <em>not</em> end but waits for its parent's outcome ({@link SubSagaEnd}) and answers the
 * parent's step SUCCESS. Then:
 * <ul>
 *   <li>the parent completes: the sub-saga ends COMPLETED ({@value SagaModel#SUB_SAGA_COMPLETE_COMMAND});</li>
 *   <li>the parent compensates: the step's compensation handler sends
 *       {@value SagaModel#SUB_SAGA_COMPENSATE_COMMAND}; the sub-saga compensates in full, in its own
 *       reverse order, with its own handlers, deadlines and incidents, and the answer SUCCESS comes
 *       when it has ended COMPENSATED;</li>
 *   <li>the parent's step is cancelled or times out while the sub-saga still runs: the compensation
 *       aborts it (it compensates what it did);</li>
 *   <li>the sub-saga is refused on its own: it compensates itself and the parent's step is refused
 *       (BUSINESS_FAILURE), so the parent compensates its other steps.</li>
 * </ul>
 * Why a sub-saga that waits for its parent, instead of Camunda's call activity: a called process that
 * has ended can no longer be compensated (Camunda 7 does not compensate across call activities), and
 * compensating it from records would copy its model's handlers, their order and their failure
 * handling into Java. Waiting costs nothing but an execution that stays at the end event.
 *
 * <p>Exactly once, as a participant's barrier: one row per parent step; a repeated start or
 * compensation finds it and gives the same answer; a compensation before the start leaves a row that
 * refuses the start when it comes (NOT_STARTED).
 */
@Component(SubSagas.BEAN)
class SubSagas implements TransactionalConsumer.Handler {

    /** The bean name {@link SubSagaEnd} resolves. */
    static final String BEAN = "subSagas";
    static final String CONSUMER = "orchestrator-sub-sagas";

    private static final Logger log = LoggerFactory.getLogger(SubSagas.class);

    enum State { STARTED, FORWARD_DONE, COMPENSATING, COMPLETED, COMPENSATED, REFUSED, NOT_STARTED }

    /** A parent step and the sub-saga it started (none before the start, or if it never came). */
    record Link(String parentSagaId, String parentStep, String childSagaId, State state, String startCommandId,
                String compensateCommandId) {
    }

    private static final RowMapper<Link> ROW = (rs, n) -> new Link(rs.getString("parent_saga_id"),
            rs.getString("parent_step"), rs.getString("child_saga_id"), State.valueOf(rs.getString("state")),
            rs.getString("start_command_id"), rs.getString("compensate_command_id"));

    private final JdbcTemplate jdbc;
    private final Outbox outbox;
    private final ObjectMapper objectMapper;
    private final Clock clock;
    private final ObjectProvider<Sagas> sagas;
    private final CommandExecutor engine;

    SubSagas(JdbcTemplate jdbc, Outbox outbox, ObjectMapper objectMapper, Clock clock, ObjectProvider<Sagas> sagas,
             ProcessEngine processEngine) {
        this.jdbc = jdbc;
        this.outbox = outbox;
        this.objectMapper = objectMapper;
        this.clock = clock;
        this.sagas = sagas;
        this.engine = ((ProcessEngineConfigurationImpl) processEngine.getProcessEngineConfiguration())
                .getCommandExecutorTxRequired();
    }

    // --- the commands of the parents' steps ---

    @Override
    public void handle(InboundMessage message) {
        String parentSagaId = required(message, SagaHeaders.SAGA_ID);
        String step = required(message, SagaHeaders.STEP);
        String commandId = message.correlationId() != null ? message.correlationId() : message.messageId();
        Command command = new Command(commandId, parentSagaId, message.header(SagaHeaders.BUSINESS_KEY), step,
                message.header(SagaHeaders.ATTEMPT), message.type());
        switch (String.valueOf(message.type())) {
            case SagaModel.SUB_SAGA_START_COMMAND -> start(command, message);
            case SagaModel.SUB_SAGA_COMPENSATE_COMMAND -> compensate(command);
            case SagaModel.SUB_SAGA_COMPLETE_COMMAND -> complete(command);
            default -> throw new PoisonMessageException("no sub-saga command " + message.type());
        }
    }

    /** What a reply needs of the command it answers. */
    private record Command(String id, String parentSagaId, String businessKey, String step, String attempt,
                           String type) {
    }

    private void start(Command command, InboundMessage message) {
        Optional<Link> existing = find(command.parentSagaId(), command.step());
        if (existing.isPresent()) {
            startAgain(existing.get(), command);
            return;
        }
        Map<String, Object> start = message.bodyAsMap(objectMapper, SagaModel.SUB_SAGA_START_COMMAND
                + " body is not a JSON object");
        Object processKey = start.get("processKey");
        if (!(processKey instanceof String calledSaga) || calledSaga.isBlank()) {
            throw new PoisonMessageException(SagaModel.SUB_SAGA_START_COMMAND + " without processKey");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> variables = start.get("variables") instanceof Map<?, ?> map
                ? new LinkedHashMap<>((Map<String, Object>) map) : new LinkedHashMap<>();
        jdbc.update("""
                INSERT INTO sagaflow.sub_saga (parent_saga_id, parent_step, state, start_command_id, created_at)
                VALUES (?, ?, 'STARTED', ?, ?)
                """, command.parentSagaId(), command.step(), command.id(), Timestamp.from(clock.instant()));
        String childSagaId;
        try {
            childSagaId = sagas.getObject().startSubSaga(calledSaga, command.businessKey(), variables,
                    command.parentSagaId());
        } catch (DomainException refused) {
            // A modelling or deployment mistake (no such saga, a business key taken): an operator's matter.
            reply(command, Operation.ACTION, ReplyBody.technicalFailure("sub-saga " + calledSaga + " could not start ("
                    + refused.kind() + "): " + refused.getMessage()));
            jdbc.update("DELETE FROM sagaflow.sub_saga WHERE parent_saga_id = ? AND parent_step = ?",
                    command.parentSagaId(), command.step());
            return;
        }
        jdbc.update("UPDATE sagaflow.sub_saga SET child_saga_id = ? WHERE parent_saga_id = ? AND parent_step = ?",
                childSagaId, command.parentSagaId(), command.step());
        log.info("Saga {} step {} started sub-saga {} ({})", command.parentSagaId(), command.step(), childSagaId,
                calledSaga);
    }

    /** The step's command again (a re-sent attempt after an incident): the same sub-saga's answer. */
    private void startAgain(Link link, Command command) {
        switch (link.state()) {
            case NOT_STARTED -> reply(command, Operation.ACTION, ReplyBody.businessFailure(
                    "hanging: the parent compensated this step before its sub-saga started"));
            case STARTED, COMPENSATING -> updateStartCommand(link, command);
            case FORWARD_DONE, COMPLETED -> {
                updateStartCommand(link, command);
                reply(command, Operation.ACTION, ReplyBody.success(Map.of("subSagaId", link.childSagaId())));
            }
            case REFUSED, COMPENSATED -> reply(command, Operation.ACTION,
                    ReplyBody.businessFailure("sub-saga " + link.childSagaId() + " compensated"));
        }
    }

    private void updateStartCommand(Link link, Command command) {
        jdbc.update("UPDATE sagaflow.sub_saga SET start_command_id = ? WHERE parent_saga_id = ? AND parent_step = ?",
                command.id(), link.parentSagaId(), link.parentStep());
    }

    private void compensate(Command command) {
        Optional<Link> found = find(command.parentSagaId(), command.step());
        if (found.isEmpty()) {
            // Null compensation: nothing started; a start that comes later is refused.
            jdbc.update("""
                    INSERT INTO sagaflow.sub_saga (parent_saga_id, parent_step, state, compensate_command_id, created_at)
                    VALUES (?, ?, 'NOT_STARTED', ?, ?)
                    """, command.parentSagaId(), command.step(), command.id(), Timestamp.from(clock.instant()));
            reply(command, Operation.COMPENSATION, ReplyBody.success(Map.of()));
            return;
        }
        Link link = found.get();
        switch (link.state()) {
            case NOT_STARTED, COMPENSATED, REFUSED -> reply(command, Operation.COMPENSATION, ReplyBody.success(Map.of()));
            case COMPLETED -> reply(command, Operation.COMPENSATION, ReplyBody.technicalFailure("sub-saga "
                    + link.childSagaId() + " completed with its parent; it cannot be compensated any more"));
            case COMPENSATING -> updateCompensateCommand(link, command);
            case STARTED -> {
                updateState(link, State.COMPENSATING, command.id());
                // Still running: it stops and compensates what it did, as an operator's abort does.
                sagas.getObject().abortSubSaga(link.childSagaId(), "its parent saga " + link.parentSagaId()
                        + " compensates");
            }
            case FORWARD_DONE -> {
                updateState(link, State.COMPENSATING, command.id());
                signalWaitingEnd(link.childSagaId(), SubSagaEnd.COMPENSATE);
            }
        }
    }

    private void complete(Command command) {
        find(command.parentSagaId(), command.step())
                .filter(link -> link.state() == State.FORWARD_DONE)
                .ifPresent(link -> {
                    updateState(link, State.COMPLETED, null);
                    signalWaitingEnd(link.childSagaId(), SubSagaEnd.COMPLETE);
                });
    }

    // --- the sub-saga's side ---

    /** Every path of the sub-saga reached its end: its parent's step succeeded; now it waits for the parent. */
    @Transactional(propagation = Propagation.MANDATORY)
    void forwardDone(String childSagaId) {
        Optional<Link> found = findByChild(childSagaId);
        if (found.isEmpty()) {
            return;
        }
        Link link = found.get();
        if (link.state() == State.STARTED) {
            jdbc.update("UPDATE sagaflow.sub_saga SET state = 'FORWARD_DONE' WHERE child_saga_id = ? AND state = 'STARTED'",
                    childSagaId);
            reply(link, link.startCommandId(), SagaModel.SUB_SAGA_START_COMMAND, Operation.ACTION,
                    ReplyBody.success(Map.of("subSagaId", childSagaId)));
        } else if (link.state() == State.COMPENSATING) {
            // The compensation came while it ran, and its steps had all been answered: undo them now.
            signalWaitingEnd(childSagaId, SubSagaEnd.COMPENSATE);
        }
    }

    /** The sub-saga ended: answer what its parent is waiting for. */
    @Transactional(propagation = Propagation.MANDATORY)
    void ended(String childSagaId, SagaStatus status, String reason) {
        Optional<Link> found = findByChild(childSagaId);
        if (found.isEmpty()) {
            return;
        }
        Link link = found.get();
        if (status == SagaStatus.COMPENSATED && link.state() == State.COMPENSATING) {
            updateState(link, State.COMPENSATED, link.compensateCommandId());
            reply(link, link.compensateCommandId(), SagaModel.SUB_SAGA_COMPENSATE_COMMAND, Operation.COMPENSATION,
                    ReplyBody.success(Map.of()));
        } else if (status == SagaStatus.COMPENSATED && link.state() == State.STARTED) {
            updateState(link, State.REFUSED, null);
            reply(link, link.startCommandId(), SagaModel.SUB_SAGA_START_COMMAND, Operation.ACTION,
                    ReplyBody.businessFailure("sub-saga " + childSagaId + " compensated: " + reason));
        } else if (status == SagaStatus.FAILED && (link.state() == State.STARTED || link.state() == State.COMPENSATING)) {
            boolean compensating = link.state() == State.COMPENSATING;
            reply(link, compensating ? link.compensateCommandId() : link.startCommandId(),
                    compensating ? SagaModel.SUB_SAGA_COMPENSATE_COMMAND : SagaModel.SUB_SAGA_START_COMMAND,
                    compensating ? Operation.COMPENSATION : Operation.ACTION,
                    ReplyBody.technicalFailure("sub-saga " + childSagaId + " ended without compensation: " + reason));
        }
    }

    /** The parent completed: its sub-sagas that wait for it end COMPLETED too (through the queue). */
    @Transactional(propagation = Propagation.MANDATORY)
    void parentCompleted(String parentSagaId) {
        for (Link link : jdbc.query("SELECT * FROM sagaflow.sub_saga WHERE parent_saga_id = ? AND state = 'FORWARD_DONE'",
                ROW, parentSagaId)) {
            Map<String, String> headers = new LinkedHashMap<>();
            headers.put(SagaHeaders.SAGA_ID, parentSagaId);
            headers.put(SagaHeaders.STEP, link.parentStep());
            headers.put(SagaHeaders.OP, Operation.ACTION.name());
            String id = OutboxMessage.newMessageId();
            outbox.append(OutboxMessage.to(Topology.COMMANDS_EXCHANGE, SagaModel.SUB_SAGA_COMPLETE_COMMAND,
                            SagaModel.SUB_SAGA_COMPLETE_COMMAND, "{}")
                    .withId(id).orderedBy(parentSagaId).correlatedWith(id).withHeaders(headers));
        }
    }

    /** The parent's sub-sagas, and a sub-saga's parent, for GET /api/sagas/{id}. */
    List<String> childrenOf(String parentSagaId) {
        return jdbc.queryForList("""
                SELECT child_saga_id FROM sagaflow.sub_saga WHERE parent_saga_id = ? AND child_saga_id IS NOT NULL
                ORDER BY created_at
                """, String.class, parentSagaId);
    }

    Optional<String> parentOf(String childSagaId) {
        return findByChild(childSagaId).map(Link::parentSagaId);
    }

    // --- helpers ---

    private void signalWaitingEnd(String childSagaId, String signal) {
        engine.execute(commandContext -> {
            ExecutionEntity instance = commandContext.getExecutionManager().findExecutionById(childSagaId);
            if (instance == null) {
                return null;
            }
            for (ExecutionEntity waiting : SubSagaEnd.waitingEnds(instance)) {
                waiting.signal(signal, null);
                if (SubSagaEnd.COMPENSATE.equals(signal)) {
                    break; // the error interrupts the sub-saga's other waiting ends
                }
            }
            return null;
        });
    }

    private Optional<Link> find(String parentSagaId, String step) {
        return jdbc.query("SELECT * FROM sagaflow.sub_saga WHERE parent_saga_id = ? AND parent_step = ?", ROW,
                parentSagaId, step).stream().findFirst();
    }

    private Optional<Link> findByChild(String childSagaId) {
        return jdbc.query("SELECT * FROM sagaflow.sub_saga WHERE child_saga_id = ?", ROW, childSagaId).stream()
                .findFirst();
    }

    private void updateState(Link link, State state, String compensateCommandId) {
        jdbc.update("""
                UPDATE sagaflow.sub_saga SET state = ?, compensate_command_id = COALESCE(?, compensate_command_id)
                WHERE parent_saga_id = ? AND parent_step = ?
                """, state.name(), compensateCommandId, link.parentSagaId(), link.parentStep());
    }

    private void updateCompensateCommand(Link link, Command command) {
        jdbc.update("UPDATE sagaflow.sub_saga SET compensate_command_id = ? WHERE parent_saga_id = ? AND parent_step = ?",
                command.id(), link.parentSagaId(), link.parentStep());
    }

    private void reply(Command command, Operation op, ReplyBody body) {
        reply(command.parentSagaId(), command.step(), command.id(), command.type(), op, body);
    }

    private void reply(Link link, String commandId, String commandType, Operation op, ReplyBody body) {
        if (commandId == null) {
            return;
        }
        reply(link.parentSagaId(), link.parentStep(), commandId, commandType, op, body);
    }

    /** A reply to the parent's step, as a participant writes one: through the outbox, in this transaction. */
    private void reply(String parentSagaId, String step, String commandId, String commandType, Operation op,
                       ReplyBody body) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(SagaHeaders.SAGA_ID, parentSagaId);
        headers.put(SagaHeaders.STEP, step);
        headers.put(SagaHeaders.OP, op.name());
        headers.put(SagaHeaders.OUTCOME, body.outcome().name());
        String payload;
        try {
            payload = objectMapper.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a reply body is always JSON", e);
        }
        outbox.append(OutboxMessage.to(Topology.REPLIES_EXCHANGE, Topology.ORCHESTRATOR_REPLY_KEY,
                        commandType + ".reply", payload)
                .orderedBy(parentSagaId).correlatedWith(commandId).withHeaders(headers));
    }

    private static String required(InboundMessage message, String header) {
        String value = message.header(header);
        if (value == null || value.isBlank()) {
            throw new PoisonMessageException("sub-saga command without header " + header);
        }
        return value;
    }
}
