package io.sagaflow.saga;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.messaging.Operation;
import io.sagaflow.messaging.ReplyBody;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.impl.bpmn.behavior.AbstractBpmnActivityBehavior;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.pvm.PvmActivity;
import org.camunda.bpm.engine.impl.pvm.delegate.ActivityExecution;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.springframework.stereotype.Component;

/**
 * The behaviour of every saga step and compensation handler ({@code ${sagaStep}}).
 *
 * <p>On entry it records the command and writes it to the outbox, in the engine's transaction, and
 * leaves the execution waiting in the activity. The reply signals the execution:
 * SUCCESS leaves the activity (result fields become variables), BUSINESS_FAILURE raises the BPMN
 * error {@value SagaModel#STEP_REJECTED_ERROR} (the model compensates), TECHNICAL_FAILURE raises an
 * incident on the activity. It never talks to the broker itself: that would be a dual write.
 */
@Component(SagaModel.STEP_BEAN)
class SagaStepBehavior extends AbstractBpmnActivityBehavior {

    private final StepCommands commands;
    private final ObjectMapper objectMapper;

    SagaStepBehavior(StepCommands commands, ObjectMapper objectMapper) {
        this.commands = commands;
        this.objectMapper = objectMapper;
    }

    @Override
    public void execute(ActivityExecution execution) {
        ActivityImpl activity = (ActivityImpl) execution.getActivity();
        Operation op = activity.isCompensationHandler() ? Operation.COMPENSATION : Operation.ACTION;
        commands.send(new StepCommand(execution.getProcessInstanceId(), execution.getProcessBusinessKey(),
                ((ExecutionEntity) execution).getProcessDefinition().getKey(), execution.getId(), activity.getId(),
                op == Operation.ACTION ? activity.getId() : compensatedStep(activity), op,
                requiredInput(execution, SagaModel.INPUT_COMMAND), payload(execution)));
        // No leave(): the execution waits here until the reply signals it.
    }

    @Override
    public void signal(ActivityExecution execution, String signalName, Object signalData) throws Exception {
        if (!(signalData instanceof ReplyBody reply)) {
            super.signal(execution, signalName, signalData); // the engine's own signals (compensation done)
            return;
        }
        switch (reply.outcome()) {
            case SUCCESS -> {
                copyResults(execution, reply);
                leave(execution);
            }
            case BUSINESS_FAILURE -> {
                if (((ActivityImpl) execution.getActivity()).isCompensationHandler()) {
                    // A compensation may not be refused: an operator has to look at it.
                    execution.createIncident(SagaModel.STEP_FAILED_INCIDENT, execution.getActivityInstanceId(),
                            "compensation refused: " + reply.reason());
                } else {
                    throw new BpmnError(SagaModel.STEP_REJECTED_ERROR, reply.reason());
                }
            }
            case TECHNICAL_FAILURE -> execution.createIncident(SagaModel.STEP_FAILED_INCIDENT,
                    execution.getActivityInstanceId(), reply.reason());
        }
    }

    /** The forward step whose compensation boundary event points at this handler. */
    private static String compensatedStep(ActivityImpl handler) {
        for (PvmActivity candidate : handler.getFlowScope().getActivities()) {
            if (candidate instanceof ActivityImpl activity && activity.findCompensationHandler() == handler) {
                return activity.getId();
            }
        }
        throw new IllegalStateException("compensation handler " + handler.getId()
                + " is not associated with a compensation boundary event");
    }

    private String payload(ActivityExecution execution) {
        Map<String, Object> payload = new LinkedHashMap<>();
        for (String name : names(execution.getVariable(SagaModel.INPUT_PAYLOAD_VARIABLES))) {
            payload.put(name, execution.getVariable(name));
        }
        try {
            return objectMapper.writeValueAsString(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("payload variables of " + execution.getCurrentActivityId()
                    + " cannot be written as JSON", e);
        }
    }

    private static void copyResults(ActivityExecution execution, ReplyBody reply) {
        for (String mapping : names(execution.getVariable(SagaModel.INPUT_RESULT_VARIABLES))) {
            String[] fieldAndVariable = mapping.split(":", 2);
            String field = fieldAndVariable[0].trim();
            String variable = fieldAndVariable.length == 2 ? fieldAndVariable[1].trim() : field;
            if (reply.result().containsKey(field)) {
                execution.getProcessInstance().setVariable(variable, reply.result().get(field));
            }
        }
    }

    private static List<String> names(Object commaSeparated) {
        if (commaSeparated == null) {
            return List.of();
        }
        return Arrays.stream(commaSeparated.toString().split(","))
                .map(String::trim)
                .filter(name -> !name.isEmpty())
                .toList();
    }

    private static String requiredInput(ActivityExecution execution, String name) {
        Object value = execution.getVariable(name);
        if (value == null || value.toString().isBlank()) {
            throw new IllegalStateException("saga step " + execution.getCurrentActivityId()
                    + " has no input parameter '" + name + "'");
        }
        return value.toString();
    }
}
