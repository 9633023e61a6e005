package io.sagaflow.saga;

import java.util.function.BooleanSupplier;

import io.sagaflow.contract.Operation;
import io.sagaflow.contract.Outcome;
import io.sagaflow.contract.ReplyBody;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.interceptor.CommandExecutor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Ends a step's wait: with its reply ({@link #signal}), or from outside, when no reply will decide
 * it: a deadline passed or an operator aborted.
 * The step's outcome is then unknown, so a forward step is rejected and compensated like a completed
 * step, first of all (the participant's barrier makes that safe whether the action ran, runs later
 * or never arrives). A compensation without a reply is sent again, up to
 * {@code sagaflow.saga.compensation-attempts}; then it becomes a retryable incident. A step whose
 * execution an operator moved on or cancelled (Cockpit's modification) only gets its final status.
 */
@Component
class WaitingSteps {

    private static final Logger log = LoggerFactory.getLogger(WaitingSteps.class);

    private final SagaSteps steps;
    private final OutboxStepCommands commands;
    private final CommandExecutor engine;
    private final SagaProperties properties;

    WaitingSteps(SagaSteps steps, OutboxStepCommands commands, ProcessEngine processEngine,
                 SagaProperties properties) {
        this.steps = steps;
        this.commands = commands;
        this.engine = ((ProcessEngineConfigurationImpl) processEngine.getProcessEngineConfiguration())
                .getCommandExecutorTxRequired();
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

    /**
     * Signals the step's execution if it still waits in the step's activity and {@code recordAnswer}
     * accepts the answer, in one engine command ({@link SignalWaitingStep}).
     *
     * @return {@code false}, having signalled nothing, if it no longer waits there (an operator moved
     *         the saga on) or the answer was refused
     */
    boolean signal(StepCommand command, String signalName, Object signalData, BooleanSupplier recordAnswer) {
        return engine.execute(new SignalWaitingStep(command.executionId(), command.activityId(), signalName,
                signalData, recordAnswer));
    }

    /**
     * A forward step whose command never reached a participant (UNDELIVERED) is refused without a
     * compensation of its own: there is nothing to undo.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    boolean rejectUndelivered(StepCommand command, String reason) {
        return signal(command, SagaStepBehavior.NOT_DELIVERED, ReplyBody.businessFailure(reason), () -> true);
    }

    /**
     * If the execution still waits in the step's activity, make it fail the way its kind of step fails.
     *
     * @return {@code false} if it no longer waits there (an operator moved the saga on)
     */
    @Transactional(propagation = Propagation.MANDATORY)
    boolean rejectWaitingExecution(StepCommand command, String reason) {
        boolean action = command.op() == Operation.ACTION;
        boolean signalled = signal(command, action ? SagaStepBehavior.OUTCOME_UNKNOWN : Outcome.TECHNICAL_FAILURE.name(),
                action ? ReplyBody.businessFailure(reason) : ReplyBody.technicalFailure(reason), () -> true);
        if (!signalled) {
            log.info("Saga {} no longer waits in step {} for {}: nothing to signal ({})", command.sagaId(),
                    command.step(), command.command(), reason);
        }
        return signalled;
    }
}
