package io.sagaflow.saga;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.Operation;
import io.sagaflow.contract.ReplyBody;
import io.sagaflow.tracing.SagaTracing;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.impl.bpmn.behavior.AbstractBpmnActivityBehavior;
import org.camunda.bpm.engine.impl.bpmn.behavior.MultiInstanceActivityBehavior;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.pvm.PvmActivity;
import org.camunda.bpm.engine.impl.pvm.delegate.ActivityExecution;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The behaviour of every saga step and compensation handler ({@code ${sagaStep}}).
 *
 * <p>On entry it hands the command to {@link StepCommands} (saga_step + outbox, in the engine's
 * transaction) and leaves the execution waiting in the activity. The reply signals the execution:
 * SUCCESS leaves the activity (result fields become variables); BUSINESS_FAILURE of a forward step
 * raises the BPMN error {@value SagaModel#STEP_REJECTED_ERROR} (the model compensates); a
 * TECHNICAL_FAILURE, or any failure of a compensation, raises a retryable incident on the activity
 * ({@link StepRetryJobs}): Cockpit's Retry sends the command again. It never talks to the broker
 * itself: that would be a dual write.
 */
@Component(SagaModel.STEP_BEAN)
class SagaStepBehavior extends AbstractBpmnActivityBehavior {

    /** Signal name for a waiting step whose outcome is unknown (deadline, abort). */
    static final String OUTCOME_UNKNOWN = "OUTCOME_UNKNOWN";
    /** Signal name for a step refused (abort) whose command never reached a participant: nothing to undo. */
    static final String NOT_DELIVERED = "NOT_DELIVERED";

    private final StepCommands commands;
    private final ObjectMapper objectMapper;
    private final SagaTracing tracing;
    private final Function<String, String> traceparentOfSaga;
    /** Pauses a participant (command prefix, reason) when a retry policy says so. */
    private java.util.function.BiConsumer<String, String> participantPauses = (prefix, reason) -> {
        throw new IllegalStateException("no participant pauses here");
    };

    /** A saga variable a payload maps: the variable, or the saga's input field ({@link SagaInputs}). */
    private java.util.function.BiFunction<ActivityExecution, String, Object> sagaVariable =
            org.camunda.bpm.engine.delegate.VariableScope::getVariable;

    @Autowired
    SagaStepBehavior(StepCommands commands, ObjectMapper objectMapper, SagaTracing tracing, SagaRegistry registry,
                     org.springframework.beans.factory.ObjectProvider<ParticipantPauses> pauses, SagaInputs inputs) {
        this(commands, objectMapper, tracing, registry::traceparentOf);
        this.participantPauses = (prefix, reason) -> pauses.getObject().pause(prefix, AutoPause.ACTOR, reason, true);
        this.sagaVariable = inputs::variable;
    }

    /** For the Spring-free process tests: no tracing, no registry. */
    SagaStepBehavior(StepCommands commands, ObjectMapper objectMapper) {
        this(commands, objectMapper, SagaTracing.noop(), sagaId -> null);
    }

    private SagaStepBehavior(StepCommands commands, ObjectMapper objectMapper, SagaTracing tracing,
                             Function<String, String> traceparentOfSaga) {
        this.commands = commands;
        this.objectMapper = objectMapper;
        this.tracing = tracing;
        this.traceparentOfSaga = traceparentOfSaga;
    }

    /**
     * Runs the step again for an operator's Retry of its incident, in the saga's own trace (a job
     * has no request or message to take it from).
     */
    void retry(ActivityExecution execution) {
        String sagaId = execution.getProcessInstanceId();
        tracing.inSpan("saga step retry " + execution.getCurrentActivityId(), Map.of("saga.id", sagaId,
                "saga.step", String.valueOf(execution.getCurrentActivityId())), traceparentOfSaga.apply(sagaId), () -> {
                    execute(execution);
                    return null;
                });
    }

    @Override
    public void execute(ActivityExecution execution) {
        ActivityImpl activity = (ActivityImpl) execution.getActivity();
        Operation op = activity.isCompensationHandler() ? Operation.COMPENSATION : Operation.ACTION;
        Object abortReason = execution.getVariable(SagaModel.ABORT_REASON_VARIABLE);
        if (op == Operation.ACTION && abortReason != null) {
            throw new BpmnError(SagaModel.STEP_REJECTED_ERROR, "aborted by an operator: " + abortReason);
        }
        try {
            commands.send(command(execution, activity, op));
        } catch (InvalidStepException e) {
            // Thrown before anything is written. The step usually runs in the transaction of the
            // previous step's reply (no asyncBefore): throwing would send that reply back to the
            // queue again and again. An incident stops here instead, visible and retryable in Cockpit.
            StepRetryJobs.raiseIncident(execution, e.getMessage());
        }
        // No leave(): the execution waits here until the reply signals it.
    }

    @Override
    public void signal(ActivityExecution execution, String signalName, Object signalData) throws Exception {
        if (!(signalData instanceof ReplyBody reply)) {
            super.signal(execution, signalName, signalData); // the engine's own signals (compensation done)
            return;
        }
        ActivityImpl activity = (ActivityImpl) execution.getActivity();
        boolean compensation = activity.isCompensationHandler();
        if (OUTCOME_UNKNOWN.equals(signalName) && !compensation) {
            // A missed deadline (not an abort) under a retry policy: the command goes again (the
            // participant's barrier answers a repeat of what it did with its first answer).
            if (execution.getVariable(SagaModel.ABORT_REASON_VARIABLE) == null
                    && retryOrExhausted(execution, activity, reply.reason(), true)) {
                return;
            }
            // No reply within the deadline, or aborted while waiting: the participant may have done
            // the step. Compensate it like a completed step (its handler runs first, in order, with
            // deadline and incidents); the barrier makes that safe if the step never ran.
            ActivityImpl handler = activity.findCompensationHandler();
            if (handler != null) {
                createCompensateEventSubscription(execution, handler);
            }
            throw new BpmnError(SagaModel.STEP_REJECTED_ERROR, reply.reason());
        }
        if (NOT_DELIVERED.equals(signalName) && !compensation) {
            throw new BpmnError(SagaModel.STEP_REJECTED_ERROR, reply.reason());
        }
        switch (reply.outcome()) {
            case SUCCESS -> {
                copyResults(execution, reply);
                leave(execution);
            }
            case BUSINESS_FAILURE -> {
                if (compensation) {
                    // A compensation may not be refused: an operator has to look at it.
                    StepRetryJobs.raiseIncident(execution, "compensation refused: " + reply.reason());
                } else {
                    throw new BpmnError(SagaModel.STEP_REJECTED_ERROR, reply.reason());
                }
            }
            case TECHNICAL_FAILURE -> {
                if (compensation || !retryOrExhausted(execution, activity, reply.reason(), false)) {
                    StepRetryJobs.raiseIncident(execution, reply.reason());
                }
            }
        }
    }

    /**
     * Applies the step's retry policy ({@link RetryPolicy}) to a technical failure or a missed
     * deadline: schedules the next attempt, or does what the policy says once they are used up.
     *
     * @return {@code false} if the step has no policy, or its policy ends in compensation of a
     *     missed deadline (the caller compensates as without one); {@code true} if handled here
     * @throws BpmnError to compensate after technical failures (nothing was done: no undo of this step)
     */
    private boolean retryOrExhausted(ActivityExecution execution, ActivityImpl activity, String reason,
                                     boolean deadlineMissed) {
        RetryPolicy policy = RetryPolicy.of(name -> SagaStepInputs.value(execution, name));
        if (policy == null) {
            return false;
        }
        StepCommands.Attempts attempts = commands.attempts(execution.getId(), activity.getId());
        java.time.Instant now = commands.now();
        java.util.Optional<java.time.Instant> next = policy.nextTry(attempts.count(), attempts.firstSentAt(), now,
                java.util.concurrent.ThreadLocalRandom.current().nextDouble());
        if (next.isPresent()) {
            StepRetryJobs.scheduleRetry(execution, next.get());
            return true;
        }
        String exhausted = reason + " (retries exhausted: " + attempts.count() + " attempts of " + policy.maxAttempts()
                + (policy.budget() == null ? "" : ", budget " + policy.budget()) + ")";
        switch (policy.onExhausted()) {
            case INCIDENT -> StepRetryJobs.raiseIncident(execution, exhausted);
            case COMPENSATE -> {
                if (deadlineMissed) {
                    return false;
                }
                throw new BpmnError(SagaModel.STEP_REJECTED_ERROR, exhausted);
            }
            case PAUSE -> {
                // The participant is paused (every instance's relay holds its commands) and this
                // step sends once more right away: the command waits in the outbox for the resume.
                participantPauses.accept(commandPrefixOf(execution), exhausted);
                StepRetryJobs.scheduleRetry(execution, now);
            }
        }
        return true;
    }

    /** The participant a step's command goes to, as a pause names it: the command up to its first dot. */
    private static String commandPrefixOf(ActivityExecution execution) {
        String command = String.valueOf(SagaStepInputs.value(execution, SagaModel.INPUT_COMMAND));
        int dot = command.indexOf('.');
        return dot < 0 ? command : command.substring(0, dot + 1);
    }

    /**
     * The engine cancelled this step's activity (a sibling branch was refused, an interrupting event
     * or an operator cancelled it). If its command was still waiting, the participant may have done
     * the step or may still do it: the step is recorded CANCELLED, and a forward step is compensated
     * like a completed one when the saga compensates (as after a deadline), its handler first.
     */
    void interrupted(ActivityExecution execution) {
        ActivityImpl activity = (ActivityImpl) execution.getActivity();
        if (!commands.cancelWaiting(execution.getId(), activity.getId(), "cancelled while its command was in flight: "
                + "another branch of the saga failed, an event interrupted it, or an operator cancelled it")) {
            return;
        }
        ActivityImpl handler = activity.isCompensationHandler() ? null : activity.findCompensationHandler();
        if (handler != null) {
            createCompensateEventSubscription(execution, handler);
        }
    }

    /** The step's command, from the execution and the activity's input parameters. */
    private StepCommand command(ActivityExecution execution, ActivityImpl activity, Operation op) {
        String processKey = ((ExecutionEntity) execution).getProcessDefinition().getKey();
        Object subSaga = activity.getProperty(SagaStepInputs.SUB_SAGA_PROPERTY);
        Object payloadVariables = SagaStepInputs.value(execution, SagaModel.INPUT_PAYLOAD_VARIABLES);
        StepCommand.Request request = subSaga instanceof String calledSaga
                ? new StepCommand.Request(op, SagaModel.SUB_SAGA_START_COMMAND,
                        subSagaStart(execution, calledSaga, payloadVariables))
                : new StepCommand.Request(op, requiredInput(execution, SagaModel.INPUT_COMMAND),
                        payload(execution, payloadVariables));
        return new StepCommand(
                new StepCommand.Saga(execution.getProcessInstanceId(), execution.getProcessBusinessKey(), processKey),
                new StepCommand.Origin(execution.getId(), activity.getId(), op == Operation.ACTION
                        ? stepName(execution, activity) : compensatedStepName(execution, compensatedStep(activity))),
                request,
                new StepCommand.Terms(deadline(execution),
                        op == Operation.ACTION && activity.findCompensationHandler() != null,
                        "parallel".equals(processProperty(execution, SagaModel.COMPENSATION_ORDER_PROPERTY))));
    }

    /** The forward step whose compensation boundary event points at this handler. */
    private static ActivityImpl compensatedStep(ActivityImpl handler) {
        for (PvmActivity candidate : handler.getFlowScope().getActivities()) {
            if (candidate instanceof ActivityImpl activity && activity.findCompensationHandler() == handler) {
                return activity;
            }
            if (candidate instanceof ActivityImpl body && body.getActivityBehavior() instanceof MultiInstanceActivityBehavior) {
                for (PvmActivity inner : body.getActivities()) {
                    if (inner instanceof ActivityImpl activity && activity.findCompensationHandler() == handler) {
                        return activity;
                    }
                }
            }
        }
        throw new InvalidStepException("compensation handler " + handler.getId()
                + " is not associated with a compensation boundary event");
    }

    /**
     * The step's name in its command's {@code sagaflow-step} header, the key of the participant's
     * barrier: the activity id; for an instance of a multi-instance step, the activity id and the
     * instance's {@code loopCounter} ({@code Task_BookSeat#2}), so each instance is a step of its own.
     */
    private static String stepName(ActivityExecution execution, ActivityImpl step) {
        if (!multiInstance(step)) {
            return step.getId();
        }
        Object loopCounter = execution.getVariable(LOOP_COUNTER);
        if (loopCounter == null) {
            throw new InvalidStepException("instance of multi-instance step " + step.getId() + " has no "
                    + LOOP_COUNTER);
        }
        return step.getId() + "#" + loopCounter;
    }

    private static final String LOOP_COUNTER = "loopCounter";

    /**
     * The name of the step a compensation undoes, as its forward command carried it: the key of the
     * participant's barrier. Read from the step's record, because a saga migrated to a version that
     * renamed the step compensates it under the name the participant knows; for a multi-instance step,
     * the instance's (see StepCommands).
     */
    private String compensatedStepName(ActivityExecution execution, ActivityImpl step) {
        if (!multiInstance(step)) {
            String recorded = commands.forwardStepName(execution.getProcessInstanceId(), step.getId());
            return recorded != null ? recorded : step.getId();
        }
        String instance = commands.compensatedInstance(execution.getProcessInstanceId(), step.getId());
        if (instance == null) {
            throw new InvalidStepException("no ended instance of multi-instance step " + step.getId()
                    + " is left to compensate");
        }
        return instance;
    }

    private static boolean multiInstance(ActivityImpl step) {
        return step.getFlowScope() instanceof ActivityImpl body
                && body.getActivityBehavior() instanceof MultiInstanceActivityBehavior;
    }

    private static String processProperty(ActivityExecution execution, String name) {
        String key = ((ExecutionEntity) execution).getProcessDefinition().getKey();
        return SagaModel.processProperty(execution.getBpmnModelInstance().getModelElementById(key), name);
    }

    /** A sub-saga's start: the saga to start and the variables it gets (the step's payload variables). */
    private String subSagaStart(ActivityExecution execution, String calledSaga, Object payloadVariables) {
        Map<String, Object> variables = new LinkedHashMap<>();
        for (PayloadMapping.Field field : PayloadMapping.parse(payloadVariables)) {
            variables.put(field.field(), sagaVariable.apply(execution, field.variable()));
        }
        try {
            return objectMapper.writeValueAsString(Map.of("processKey", calledSaga, "variables", variables));
        } catch (JsonProcessingException e) {
            throw new InvalidStepException("payload variables of " + execution.getCurrentActivityId()
                    + " cannot be written as JSON", e);
        }
    }

    private String payload(ActivityExecution execution, Object payloadVariables) {
        Map<String, Object> payload = new LinkedHashMap<>();
        for (PayloadMapping.Field field : PayloadMapping.parse(payloadVariables)) {
            payload.put(field.field(), sagaVariable.apply(execution, field.variable()));
        }
        try {
            return objectMapper.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new InvalidStepException("payload variables of " + execution.getCurrentActivityId()
                    + " cannot be written as JSON", e);
        }
    }

    private static Duration deadline(ActivityExecution execution) {
        Object value = SagaStepInputs.value(execution, SagaModel.INPUT_DEADLINE);
        if (value == null || value.toString().isBlank()) {
            return null;
        }
        try {
            Duration deadline = Duration.parse(value.toString().trim());
            if (deadline.isNegative() || deadline.isZero()) {
                throw new InvalidStepException("deadline of saga step " + execution.getCurrentActivityId()
                        + " must be positive, was " + value);
            }
            return deadline;
        } catch (DateTimeParseException e) {
            throw new InvalidStepException("deadline of saga step " + execution.getCurrentActivityId()
                    + " is not an ISO-8601 duration such as PT30S: '" + value + "'", e);
        }
    }

    private static void copyResults(ActivityExecution execution, ReplyBody reply) {
        for (String mapping : names(SagaStepInputs.value(execution, SagaModel.INPUT_RESULT_VARIABLES))) {
            String[] fieldAndVariable = mapping.split(":", 2);
            String field = fieldAndVariable[0].trim();
            String variable = fieldAndVariable.length == 2 ? fieldAndVariable[1].trim() : field;
            if (reply.result().containsKey(field)) {
                execution.getProcessInstance().setVariable(variable, reply.result().get(field));
            }
        }
    }

    private static List<String> names(Object commaSeparated) {
        return PayloadMapping.entries(commaSeparated);
    }

    private static String requiredInput(ActivityExecution execution, String name) {
        Object value = SagaStepInputs.value(execution, name);
        if (value == null || value.toString().isBlank()) {
            throw new InvalidStepException("saga step " + execution.getCurrentActivityId()
                    + " has no input parameter '" + name + "'");
        }
        return value.toString();
    }
}
