package io.sagaflow.saga;

import java.util.LinkedHashMap;
import java.util.Map;

import io.sagaflow.messaging.SagaHeaders;
import io.sagaflow.messaging.Topology;
import io.sagaflow.outbox.Outbox;
import io.sagaflow.outbox.OutboxMessage;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Sends a step's command the only safe way: a saga_step row and an outbox row in the engine's
 * transaction, published by the relay after commit. Never the broker directly (dual write).
 */
@Component
class OutboxStepCommands implements StepCommands {

    private final Outbox outbox;
    private final SagaSteps steps;

    OutboxStepCommands(Outbox outbox, SagaSteps steps) {
        this.outbox = outbox;
        this.steps = steps;
    }

    @Override
    @Transactional(propagation = Propagation.MANDATORY)
    public String send(StepCommand command) {
        String commandId = OutboxMessage.newMessageId();
        int attempt = steps.nextAttempt(command.sagaId(), command.activityId());
        steps.recordSent(new SagaSteps.SentCommand(commandId, command.sagaId(), command.executionId(),
                command.activityId(), command.step(), command.op(), command.command(), attempt, StepStatus.WAITING,
                null));
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(SagaHeaders.SAGA_ID, command.sagaId());
        headers.put(SagaHeaders.BUSINESS_KEY, String.valueOf(command.businessKey()));
        headers.put(SagaHeaders.PROCESS_KEY, command.processKey());
        headers.put(SagaHeaders.STEP, command.step());
        headers.put(SagaHeaders.OP, command.op().name());
        headers.put(SagaHeaders.ATTEMPT, Integer.toString(attempt));
        outbox.append(new OutboxMessage(commandId, command.sagaId(), Topology.COMMANDS_EXCHANGE, command.command(),
                command.command(), commandId, Topology.ORCHESTRATOR_REPLY_KEY, headers, command.payload()));
        return commandId;
    }
}
