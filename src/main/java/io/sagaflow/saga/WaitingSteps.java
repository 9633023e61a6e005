package io.sagaflow.saga;

import io.sagaflow.contract.Operation;
import io.sagaflow.contract.Outcome;
import io.sagaflow.contract.ReplyBody;
import org.camunda.bpm.engine.RuntimeService;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Ends a wait from outside, when no reply will decide it: a deadline passed or an operator aborted.
 * The step's outcome is then unknown, so a forward step is rejected and compensated like a completed
 * step, first of all (the participant's barrier makes that safe whether the action ran, runs later
 * or never arrives). A compensation without a reply is sent again, up to
 * {@code sagaflow.saga.compensation-attempts}; then it becomes a retryable incident.
 */
@Component
class WaitingSteps {

    private final SagaSteps steps;
    private final OutboxStepCommands commands;
    private final RuntimeService runtime;
    private final SagaProperties properties;

    WaitingSteps(SagaSteps steps, OutboxStepCommands commands, RuntimeService runtime, SagaProperties properties) {
        this.steps = steps;
        this.commands = commands;
        this.runtime = runtime;
        this.properties = properties;
    }

    /** @return {@code false} if the command was not waiting any more */
    @Transactional(propagation = Propagation.MANDATORY)
    boolean stop(SagaSteps.SentCommand sent, StepStatus finalStatus, String reason) {
        if (!steps.recordAnswer(sent.commandId(), finalStatus, reason)) {
            return false;
        }
        if (sent.command().op() == Operation.COMPENSATION && finalStatus == StepStatus.TIMED_OUT
                && sent.attempt() < properties.compensationAttempts()) {
            commands.resend(sent); // the participant may just have been down: undo is safe to repeat
        } else {
            rejectWaitingExecution(sent.command(), reason);
        }
        return true;
    }

    /** The execution waits in the step's activity; make it fail the way its kind of step fails. */
    @Transactional(propagation = Propagation.MANDATORY)
    void rejectWaitingExecution(StepCommand command, String reason) {
        if (command.op() == Operation.ACTION) {
            runtime.signal(command.executionId(), SagaStepBehavior.OUTCOME_UNKNOWN, ReplyBody.businessFailure(reason),
                    null);
        } else {
            runtime.signal(command.executionId(), Outcome.TECHNICAL_FAILURE.name(),
                    ReplyBody.technicalFailure(reason), null);
        }
    }
}
