package io.sagaflow.saga;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.Operation;
import io.sagaflow.contract.SagaHeaders;
import io.sagaflow.contract.Topology;
import io.sagaflow.outbox.Outbox;
import io.sagaflow.outbox.OutboxMessage;
import org.camunda.bpm.engine.RuntimeService;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Sends a step's command the only safe way: a saga_step row and an outbox row in the engine's
 * transaction, published by the relay after commit. Never the broker directly (dual write).
 *
 * <p>Compensations go in reverse completion order: a compensation whose turn has not come is
 * QUEUED and sent when the compensation before it succeeded ({@link #releaseQueuedCompensations}).
 */
@Component
class OutboxStepCommands implements StepCommands {

    private final Outbox outbox;
    private final SagaSteps steps;
    private final SagaProperties properties;
    private final Clock clock;
    private final RuntimeService runtime;
    private final ObjectMapper objectMapper;
    private final SagaInputs inputs;

    OutboxStepCommands(Outbox outbox, SagaSteps steps, SagaProperties properties, Clock clock,
                       RuntimeService runtime, ObjectMapper objectMapper, SagaInputs inputs) {
        this.inputs = inputs;
        this.objectMapper = objectMapper;
        this.outbox = outbox;
        this.steps = steps;
        this.properties = properties;
        this.clock = clock;
        this.runtime = runtime;
    }

    /**
     * @throws InvalidStepException before writing anything; it leaves the engine's transaction
     *         usable, so the behaviour can raise an incident in it
     */
    @Override
    @Transactional(propagation = Propagation.MANDATORY, noRollbackFor = InvalidStepException.class)
    public String send(StepCommand command) {
        requireWithinSizeLimit(command.activityId(), command.payload());
        boolean waitForTurn = command.op() == Operation.COMPENSATION && !command.terms().parallelCompensation()
                && !steps.isCompensationTurn(command.sagaId(), command.step());
        StepCommand withDeadline = command.withDefaultDeadline(properties.defaultDeadline());
        SagaSteps.SentCommand sent = steps.record(waitForTurn
                ? newAttempt(withDeadline, StepStatus.QUEUED, null)
                : newAttempt(withDeadline, StepStatus.WAITING, clock.instant().plus(withDeadline.deadline())));
        if (!waitForTurn) {
            publish(sent);
        }
        return sent.commandId();
    }

    @Override
    @Transactional(propagation = Propagation.MANDATORY)
    public boolean cancelWaiting(String executionId, String activityId, String reason) {
        return steps.findOpen(executionId, activityId)
                .filter(open -> steps.recordAnswer(open.commandId(), StepStatus.CANCELLED, reason))
                .isPresent();
    }

    @Override
    @Transactional(propagation = Propagation.MANDATORY)
    public String compensatedInstance(String sagaId, String forwardActivityId) {
        return steps.latestUncompensatedInstance(sagaId, forwardActivityId);
    }

    @Override
    public String forwardStepName(String sagaId, String forwardActivityId) {
        return steps.forwardStepName(sagaId, forwardActivityId);
    }

    @Override
    public Attempts attempts(String executionId, String activityId) {
        return steps.forwardAttempts(executionId, activityId);
    }

    @Override
    public java.time.Instant now() {
        return clock.instant();
    }

    /** Sends every queued compensation of the saga whose turn has come. */
    @Transactional(propagation = Propagation.MANDATORY)
    void releaseQueuedCompensations(String sagaId) {
        for (SagaSteps.SentCommand queued : steps.queuedCompensations(sagaId)) {
            Instant deadlineAt = clock.instant().plus(queued.command().deadline());
            if (steps.isCompensationTurn(sagaId, queued.command().step())
                    && steps.release(queued.commandId(), deadlineAt)) {
                publish(queued);
            }
        }
    }

    /**
     * Sends a timed-out command again, as a new attempt, for the execution that still waits for it.
     * Only for compensations: undoing twice is safe, the participant's barrier answers the repeat.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    void resend(SagaSteps.SentCommand timedOut) {
        StepCommand command = timedOut.command();
        SagaSteps.SentCommand again = steps.record(newAttempt(command, StepStatus.WAITING,
                clock.instant().plus(command.deadline())));
        publish(again);
    }

    /** The next attempt of the command, under a new command id; {@link SagaSteps#record} numbers it. */
    private SagaSteps.SentCommand newAttempt(StepCommand command, StepStatus status, Instant deadlineAt) {
        return new SagaSteps.SentCommand(OutboxMessage.newMessageId(), command, 0, status, null, deadlineAt);
    }

    /**
     * Sends the orchestrator, through its own replies queue, the news that a command's deadline
     * passed. The queue is first in, first out: every reply that was queued before it is read first,
     * so the deadline judges the participant and never a reply already waiting for the orchestrator.
     * Ordered after the saga's earlier messages (the command itself among them).
     */
    /** Header of the deadline-passed message's second round (ReplyCorrelator judges on that one). */
    static final String DEADLINE_ROUND_HEADER = "sagaflow-deadline-round";

    @Transactional(propagation = Propagation.MANDATORY)
    void sendDeadlinePassed(SagaSteps.SentCommand overdue, String reason) {
        sendDeadlinePassed(overdue, reason, false);
    }

    @Transactional(propagation = Propagation.MANDATORY)
    void sendDeadlinePassed(SagaSteps.SentCommand overdue, String reason, boolean secondRound) {
        StepCommand command = overdue.command();
        String body;
        try {
            body = objectMapper.writeValueAsString(Map.of("reason", reason));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a text is always JSON", e);
        }
        Map<String, String> headers = sagaHeaders(overdue);
        if (secondRound) {
            headers.put(DEADLINE_ROUND_HEADER, "2");
        }
        outbox.append(OutboxMessage.to(Topology.REPLIES_EXCHANGE, Topology.ORCHESTRATOR_REPLY_KEY,
                        Topology.DEADLINE_PASSED_TYPE, body)
                .orderedBy(command.sagaId()).correlatedWith(overdue.commandId()).withHeaders(headers));
    }

    private Map<String, String> sagaHeaders(SagaSteps.SentCommand sent) {
        StepCommand command = sent.command();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(SagaHeaders.SAGA_ID, command.sagaId());
        headers.put(SagaHeaders.BUSINESS_KEY, String.valueOf(command.businessKey()));
        headers.put(SagaHeaders.PROCESS_KEY, String.valueOf(command.processKey()));
        headers.put(SagaHeaders.STEP, command.step());
        headers.put(SagaHeaders.OP, command.op().name());
        headers.put(SagaHeaders.ATTEMPT, Integer.toString(sent.attempt()));
        return headers;
    }

    private void publish(SagaSteps.SentCommand sent) {
        StepCommand command = sent.command();
        Map<String, String> headers = sagaHeaders(sent);
        for (SagaProperties.CommandContextVariable context : properties.commandContext()) {
            // The engine's command context is reused: this sees the variables of this transaction too.
            Object value = runtime.getVariable(command.sagaId(), context.variable());
            if (value == null) {
                value = inputs.of(command.sagaId()).get(context.variable());
            }
            if (value != null) {
                headers.put(SagaHeaders.CONTEXT_PREFIX + context.variable(), value.toString());
            }
        }
        outbox.append(OutboxMessage.to(Topology.COMMANDS_EXCHANGE, command.command(), command.command(),
                        command.payload())
                .withId(sent.commandId()).orderedBy(command.sagaId()).correlatedWith(sent.commandId())
                .replyingTo(Topology.ORCHESTRATOR_REPLY_KEY).withHeaders(headers));
    }

    private void requireWithinSizeLimit(String activityId, String payload) {
        if (payload != null && payload.getBytes(StandardCharsets.UTF_8).length > properties.maxPayloadBytes()) {
            throw new InvalidStepException("payload of step " + activityId + " is "
                    + payload.getBytes(StandardCharsets.UTF_8).length + " bytes, over the limit of "
                    + properties.maxPayloadBytes() + " (sagaflow.saga.max-payload-bytes): map fewer or smaller "
                    + "variables, pass ids instead of documents");
        }
    }
}
