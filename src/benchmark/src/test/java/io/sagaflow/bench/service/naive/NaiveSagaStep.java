package io.sagaflow.bench.service.naive;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.ReplyBody;
import io.sagaflow.contract.SagaHeaders;
import io.sagaflow.contract.Topology;
import io.sagaflow.saga.SagaModel;
import io.sagaflow.saga.SagaStepInputs;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.Expression;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.bpmn.behavior.AbstractBpmnActivityBehavior;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.pvm.PvmActivity;
import org.camunda.bpm.engine.impl.pvm.delegate.ActivityExecution;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The naive step: builds the same command as the real one and hands it to RabbitTemplate when the
 * engine's transaction commits. A crash between commit and send loses the command, a broker that
 * refuses it is never noticed: the dual write. Published after commit rather than inside the
 * transaction, so the reply cannot overtake the engine's wait state and the baseline is not slowed
 * by retries of that race.
 */
class NaiveSagaStep extends AbstractBpmnActivityBehavior {

    private final RabbitTemplate rabbit;
    private final ObjectMapper objectMapper;
    private final Map<String, Expression> expressions = new ConcurrentHashMap<>();

    NaiveSagaStep(RabbitTemplate rabbit, ObjectMapper objectMapper) {
        this.rabbit = rabbit;
        this.objectMapper = objectMapper;
    }

    @Override
    public void execute(ActivityExecution execution) throws Exception {
        ActivityImpl activity = (ActivityImpl) execution.getActivity();
        boolean compensation = activity.isCompensationHandler();
        String command = SagaStepInputs.value(execution, SagaModel.INPUT_COMMAND).toString();
        Map<String, Object> payload = new LinkedHashMap<>();
        for (String name : names(SagaStepInputs.value(execution, SagaModel.INPUT_PAYLOAD_VARIABLES))) {
            payload.put(name, variable(execution, name));
        }
        MessageProperties properties = new MessageProperties();
        // A reply echoes the command's message id as its correlation id: carry the waiting execution in it.
        properties.setMessageId(execution.getId() + NaiveSagaConfiguration.ID_SEPARATOR
                + UUID.randomUUID().toString().substring(0, 8));
        properties.setType(command);
        properties.setReplyTo(NaiveSagaConfiguration.REPLY_KEY);
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        properties.setContentEncoding("UTF-8");
        properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        properties.setHeader(SagaHeaders.SAGA_ID, execution.getProcessInstanceId());
        properties.setHeader(SagaHeaders.BUSINESS_KEY, String.valueOf(execution.getProcessBusinessKey()));
        properties.setHeader(SagaHeaders.PROCESS_KEY, ((ExecutionEntity) execution).getProcessDefinition().getKey());
        properties.setHeader(SagaHeaders.STEP, compensation ? compensatedStep(activity) : activity.getId());
        properties.setHeader(SagaHeaders.OP, compensation ? "COMPENSATION" : "ACTION");
        properties.setHeader(SagaHeaders.ATTEMPT, "1");
        Message message = new Message(objectMapper.writeValueAsString(payload).getBytes(StandardCharsets.UTF_8),
                properties);
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                rabbit.send(Topology.COMMANDS_EXCHANGE, command, message);
            }
        });
    }

    @Override
    public void signal(ActivityExecution execution, String signalName, Object signalData) throws Exception {
        if (!(signalData instanceof ReplyBody reply)) {
            super.signal(execution, signalName, signalData);
            return;
        }
        switch (reply.outcome()) {
            case SUCCESS -> {
                for (String mapping : names(SagaStepInputs.value(execution, SagaModel.INPUT_RESULT_VARIABLES))) {
                    String field = mapping.split(":", 2)[0].trim();
                    String variable = mapping.contains(":") ? mapping.split(":", 2)[1].trim() : field;
                    if (reply.result().containsKey(field)) {
                        execution.getProcessInstance().setVariable(variable, reply.result().get(field));
                    }
                }
                leave(execution);
            }
            case BUSINESS_FAILURE -> throw new BpmnError(SagaModel.STEP_REJECTED_ERROR, reply.reason());
            case TECHNICAL_FAILURE -> throw new IllegalStateException(reply.reason());
        }
    }

    private static String compensatedStep(ActivityImpl handler) {
        for (PvmActivity candidate : handler.getFlowScope().getActivities()) {
            if (candidate instanceof ActivityImpl activity && activity.findCompensationHandler() == handler) {
                return activity.getId();
            }
        }
        return handler.getId();
    }

    private static List<String> names(Object commaSeparated) {
        return commaSeparated == null ? List.of() : Arrays.stream(commaSeparated.toString().split(","))
                .map(String::trim).filter(name -> !name.isEmpty()).toList();
    }

    /**
     * A payload variable as the engine's expressions see it: a saga's input field where the build
     * keeps the input as one document (its expression manager resolves it), a variable otherwise. So
     * the baseline reads payloads as the real step does, on builds before and after that change.
     */
    private Object variable(ActivityExecution execution, String name) {
        if (execution.hasVariable(name)) {
            return execution.getVariable(name);
        }
        try {
            return expressions.computeIfAbsent(name, n -> Context.getProcessEngineConfiguration().getExpressionManager()
                    .createExpression("${" + n + "}")).getValue(execution);
        } catch (ProcessEngineException notResolvable) {
            return null;
        }
    }
}
