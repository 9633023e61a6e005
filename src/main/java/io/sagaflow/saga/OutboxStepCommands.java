package io.sagaflow.saga;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import io.sagaflow.messaging.Operation;
import io.sagaflow.messaging.SagaHeaders;
import io.sagaflow.messaging.Topology;
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

    OutboxStepCommands(Outbox outbox, SagaSteps steps, SagaProperties properties, Clock clock,
                       RuntimeService runtime) {
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
        boolean waitForTurn = command.op() == Operation.COMPENSATION && !command.parallelCompensation()
                && !steps.isCompensationTurn(command.sagaId(), command.step());
        Duration deadline = command.deadline() != null ? command.deadline() : properties.defaultDeadline();
        SagaSteps.SentCommand sent = new SagaSteps.SentCommand(OutboxMessage.newMessageId(), command.sagaId(),
                command.executionId(), command.activityId(), command.step(), command.op(), command.command(),
                steps.nextAttempt(command.sagaId(), command.activityId(), command.op()),
                waitForTurn ? StepStatus.QUEUED : StepStatus.WAITING, null, command.payload(), command.businessKey(),
                command.processKey(), deadline, waitForTurn ? null : clock.instant().plus(deadline));
        steps.record(sent, command.compensable());
        if (!waitForTurn) {
            publish(sent);
        }
        return sent.commandId();
    }

    /** Sends every queued compensation of the saga whose turn has come. */
    @Transactional(propagation = Propagation.MANDATORY)
    void releaseQueuedCompensations(String sagaId) {
        for (SagaSteps.SentCommand queued : steps.queuedCompensations(sagaId)) {
            Instant deadlineAt = clock.instant().plus(queued.deadline());
            if (steps.isCompensationTurn(sagaId, queued.step()) && steps.release(queued.commandId(), deadlineAt)) {
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
        SagaSteps.SentCommand again = new SagaSteps.SentCommand(OutboxMessage.newMessageId(), timedOut.sagaId(),
                timedOut.executionId(), timedOut.activityId(), timedOut.step(), timedOut.op(), timedOut.command(),
                steps.nextAttempt(timedOut.sagaId(), timedOut.activityId(), timedOut.op()), StepStatus.WAITING, null,
                timedOut.payload(), timedOut.businessKey(), timedOut.processKey(), timedOut.deadline(),
                clock.instant().plus(timedOut.deadline()));
        steps.record(again, false);
        publish(again);
    }

    private void publish(SagaSteps.SentCommand command) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(SagaHeaders.SAGA_ID, command.sagaId());
        headers.put(SagaHeaders.BUSINESS_KEY, String.valueOf(command.businessKey()));
        headers.put(SagaHeaders.PROCESS_KEY, String.valueOf(command.processKey()));
        headers.put(SagaHeaders.STEP, command.step());
        headers.put(SagaHeaders.OP, command.op().name());
        headers.put(SagaHeaders.ATTEMPT, Integer.toString(command.attempt()));
        for (SagaProperties.CommandContextVariable context : properties.commandContext()) {
            // The engine's command context is reused: this sees the variables of this transaction too.
            Object value = runtime.getVariable(command.sagaId(), context.variable());
            if (value != null) {
                headers.put(SagaHeaders.CONTEXT_PREFIX + context.variable(), value.toString());
            }
        }
        outbox.append(new OutboxMessage(command.commandId(), command.sagaId(), Topology.COMMANDS_EXCHANGE,
                command.command(), command.command(), command.commandId(), Topology.ORCHESTRATOR_REPLY_KEY, headers,
                command.payload()));
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
