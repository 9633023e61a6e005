package io.sagaflow.saga;

import io.sagaflow.messaging.Operation;
import io.sagaflow.messaging.Outcome;
import io.sagaflow.messaging.ReplyBody;
import org.camunda.bpm.engine.RuntimeService;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Ends a wait from outside, when no reply will decide it: a deadline passed or an operator aborted.
 * The step's outcome is then unknown, so for a forward step its compensation is sent as well (the
 * participant's barrier makes that safe) and the step is rejected, which compensates the completed
 * steps. A compensation that cannot finish becomes a retryable incident instead.
 */
@Component
class WaitingSteps {

    private final SagaSteps steps;
    private final OutboxStepCommands commands;
    private final RuntimeService runtime;

    WaitingSteps(SagaSteps steps, OutboxStepCommands commands, RuntimeService runtime) {
        this.steps = steps;
        this.commands = commands;
        this.runtime = runtime;
    }

    /** @return {@code false} if the command was not waiting any more */
    @Transactional(propagation = Propagation.MANDATORY)
    boolean stop(SagaSteps.SentCommand command, StepStatus finalStatus, String reason) {
        if (!steps.recordAnswer(command.commandId(), finalStatus, reason)) {
            return false;
        }
        if (command.executionId() != null) {
            rejectWaitingExecution(command, reason);
        }
        return true;
    }

    /** The execution waits in the step's activity; make it fail the way its kind of step fails. */
    @Transactional(propagation = Propagation.MANDATORY)
    void rejectWaitingExecution(SagaSteps.SentCommand command, String reason) {
        if (command.op() == Operation.ACTION) {
            commands.compensateUnknownOutcome(command);
            runtime.signal(command.executionId(), Outcome.BUSINESS_FAILURE.name(),
                    ReplyBody.businessFailure(reason), null);
        } else {
            runtime.signal(command.executionId(), Outcome.TECHNICAL_FAILURE.name(),
                    ReplyBody.technicalFailure(reason), null);
        }
    }
}
