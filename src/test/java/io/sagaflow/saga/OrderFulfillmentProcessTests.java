package io.sagaflow.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.historyService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.jobQuery;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.runtimeService;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.messaging.Operation;
import io.sagaflow.messaging.ReplyBody;
import org.camunda.bpm.engine.history.HistoricVariableInstance;
import org.camunda.bpm.engine.runtime.Incident;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.Deployment;
import org.camunda.bpm.engine.test.assertions.bpmn.AbstractAssertions;
import org.camunda.bpm.engine.test.junit5.ProcessEngineExtension;
import org.camunda.bpm.engine.test.mock.Mocks;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.Association;
import org.camunda.bpm.model.bpmn.instance.BaseElement;
import org.camunda.bpm.model.bpmn.instance.BoundaryEvent;
import org.camunda.bpm.model.bpmn.instance.CompensateEventDefinition;
import org.camunda.bpm.model.bpmn.instance.ExtensionElements;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputOutput;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputParameter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The order-fulfillment saga on a plain in-memory engine (no Spring, no broker, camunda.cfg.xml):
 * the real {@link SagaStepBehavior} sends commands into a {@link RecordingStepCommands}, and a test
 * plays the participants by signalling the waiting execution with a {@link ReplyBody}, exactly as
 * {@link ReplyCorrelator} does.
 */
@Deployment(resources = OrderFulfillmentProcessTests.BPMN)
class OrderFulfillmentProcessTests {

    static final String BPMN = "processes/order-fulfillment.bpmn";

    private static final String PROCESS_KEY = "order-fulfillment";

    private static final String RESERVE_STOCK = "Task_ReserveStock";
    private static final String CHARGE_PAYMENT = "Task_ChargePayment";
    private static final String SCHEDULE_SHIPMENT = "Task_ScheduleShipment";
    private static final String RELEASE_STOCK = "Task_ReleaseStock";
    private static final String REFUND_PAYMENT = "Task_RefundPayment";
    private static final String CANCEL_SHIPMENT = "Task_CancelShipment";
    private static final String ORDER_FULFILLED = "EndEvent_OrderFulfilled";
    private static final String COMPENSATE_ORDER = "SubProcess_CompensateOrder";
    private static final String STEP_REJECTED = "StartEvent_StepRejected";
    private static final String COMPENSATE_COMPLETED_STEPS = "IntermediateThrowEvent_CompensateCompletedSteps";
    private static final String ORDER_COMPENSATED = "EndEvent_OrderCompensated";

    private static final String ORDER_ID = "order-42";
    private static final List<String> STEP_INPUTS = List.of(SagaModel.INPUT_COMMAND,
            SagaModel.INPUT_PAYLOAD_VARIABLES, SagaModel.INPUT_RESULT_VARIABLES, SagaModel.INPUT_DEADLINE);

    @RegisterExtension
    static ProcessEngineExtension engine = ProcessEngineExtension.builder().build();

    private final ObjectMapper objectMapper = new ObjectMapper();
    private final RecordingStepCommands recorder = new RecordingStepCommands();

    private ProcessInstance order;
    private final List<String> extraDeployments = new ArrayList<>();

    @BeforeEach
    void useRealStepBehaviourWithRecordingPort() {
        // Bind camunda-bpm-assert to this engine: in a JVM that also ran Spring Boot tests,
        // ProcessEngines knows more than one engine and the automatic lookup would refuse.
        AbstractAssertions.init(engine.getProcessEngine());
        Mocks.register(SagaModel.STEP_BEAN, new SagaStepBehavior(recorder, objectMapper));
    }

    @AfterEach
    void reset() {
        extraDeployments.forEach(id -> engine.getRepositoryService().deleteDeployment(id, true));
        Mocks.reset();
        AbstractAssertions.reset();
    }

    @Test
    @DisplayName("when every participant succeeds, the order passes reserve, charge and ship in order and is fulfilled without compensation")
    void allStepsSucceed() throws Exception {
        startOrder();

        RecordingStepCommands.Sent reserve = runStep(RESERVE_STOCK);
        answer(RESERVE_STOCK, ReplyBody.success(Map.of()));
        RecordingStepCommands.Sent charge = runStep(CHARGE_PAYMENT);
        answer(CHARGE_PAYMENT, ReplyBody.success(Map.of()));
        RecordingStepCommands.Sent ship = runStep(SCHEDULE_SHIPMENT);
        answer(SCHEDULE_SHIPMENT, ReplyBody.success(Map.of("shipmentId", "SHIP-7", "carrier", "DHL")));

        assertThat(order).isEnded()
                .hasPassedInOrder(RESERVE_STOCK, CHARGE_PAYMENT, SCHEDULE_SHIPMENT, ORDER_FULFILLED)
                .hasNotPassed(RELEASE_STOCK, REFUND_PAYMENT, CANCEL_SHIPMENT, STEP_REJECTED,
                        COMPENSATE_COMPLETED_STEPS, ORDER_COMPENSATED);

        assertThat(recorder.commandNames()).containsExactly("inventory.reserve", "payment.charge", "shipping.schedule");
        assertAction(reserve, RESERVE_STOCK, "inventory.reserve");
        assertAction(charge, CHARGE_PAYMENT, "payment.charge");
        assertAction(ship, SCHEDULE_SHIPMENT, "shipping.schedule");
        assertThat(payload(reserve)).containsExactly(
                entry("orderId", ORDER_ID), entry("sku", "SKU-1"), entry("quantity", 2));
        assertThat(payload(charge)).containsExactly(
                entry("orderId", ORDER_ID), entry("customerId", "customer-7"), entry("amount", 49.9));
        assertThat(payload(ship)).containsExactly(
                entry("orderId", ORDER_ID), entry("sku", "SKU-1"), entry("quantity", 2), entry("country", "DE"));

        // resultVariables=shipmentId: that field of the SUCCESS result, and only that one, becomes a variable.
        Map<String, Object> variables = processVariables();
        assertThat(variables).containsEntry("shipmentId", "SHIP-7").doesNotContainKey("carrier");
    }

    @Test
    @DisplayName("a step's input parameters configure it without becoming variables: no runtime or history variable named command, payloadVariables, resultVariables or deadline")
    void inputParametersAreNotVariables() throws Exception {
        startOrder();
        RecordingStepCommands.Sent reserve = runStep(RESERVE_STOCK);
        assertThat(reserve.command().command()).isEqualTo("inventory.reserve");
        assertThat(reserve.command().deadline()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(runtimeService().createVariableInstanceQuery().processInstanceIdIn(order.getId()).list())
                .extracting(org.camunda.bpm.engine.runtime.VariableInstance::getName)
                .doesNotContainAnyElementsOf(STEP_INPUTS);
        answer(RESERVE_STOCK, ReplyBody.success(Map.of()));
        runStep(CHARGE_PAYMENT);
        answer(CHARGE_PAYMENT, ReplyBody.success(Map.of()));
        runStep(SCHEDULE_SHIPMENT);
        answer(SCHEDULE_SHIPMENT, ReplyBody.success(Map.of("shipmentId", "SHIP-7")));

        assertThat(order).isEnded();
        assertThat(processVariables()).containsEntry("shipmentId", "SHIP-7");
        assertThat(historyService().createHistoricVariableInstanceQuery().processInstanceId(order.getId()).list())
                .extracting(HistoricVariableInstance::getName)
                .doesNotContainAnyElementsOf(STEP_INPUTS);
    }

    @Test
    @DisplayName("an input parameter written as an expression is evaluated when the step runs, against the saga's variables")
    void expressionInputParameters() {
        deployOneStepSaga("expression-inputs", Map.of(SagaModel.INPUT_COMMAND, "${participant}.reserve",
                SagaModel.INPUT_PAYLOAD_VARIABLES, "orderId", SagaModel.INPUT_DEADLINE, "${stepDeadline}"));

        runtimeService().startProcessInstanceByKey("expression-inputs",
                Map.of("participant", "inventory", "stepDeadline", "PT45S", "orderId", "order-9"));

        StepCommand sent = recorder.waitingAt("Step").command();
        assertThat(sent.command()).isEqualTo("inventory.reserve");
        assertThat(sent.deadline()).isEqualTo(java.time.Duration.ofSeconds(45));
        assertThat(sent.payload()).isEqualTo("{\"orderId\":\"order-9\"}");
        assertThat(runtimeService().getVariablesLocal(sent.executionId()).keySet())
                .doesNotContainAnyElementsOf(STEP_INPUTS);
    }

    @Test
    @DisplayName("a step that cannot build its command (no 'command' input) raises an incident on the step at once instead of failing the transaction that reached it")
    void invalidStepIsAnIncident() {
        deployOneStepSaga("invalid-step", Map.of(SagaModel.INPUT_DEADLINE, "PT10S"));

        ProcessInstance saga = runtimeService().startProcessInstanceByKey("invalid-step");

        assertThat(saga).isWaitingAt("Step");
        assertThat(recorder.sent()).isEmpty();
        Incident incident = runtimeService().createIncidentQuery().processInstanceId(saga.getId()).singleResult();
        assertThat(incident).isNotNull();
        assertThat(incident.getActivityId()).isEqualTo("Step");
        assertThat(incident.getIncidentMessage()).contains("Step", "has no input parameter 'command'");
    }

    @Test
    @DisplayName("when stock reservation is rejected, nothing is compensated and the order ends compensated with the rejection recorded")
    void rejectionAtReserveStock() throws Exception {
        startOrder();

        runStep(RESERVE_STOCK);
        answer(RESERVE_STOCK, ReplyBody.businessFailure("out of stock: SKU-1"));

        assertThat(order).isEnded()
                .hasPassedInOrder(STEP_REJECTED, COMPENSATE_COMPLETED_STEPS, ORDER_COMPENSATED)
                .hasNotPassed(RELEASE_STOCK, REFUND_PAYMENT, CANCEL_SHIPMENT,
                        CHARGE_PAYMENT, SCHEDULE_SHIPMENT, ORDER_FULFILLED);
        assertThat(recorder.commandNames()).as("no compensation command may be sent").containsExactly("inventory.reserve");
        assertThat(processVariables())
                .containsEntry("rejectedCode", SagaModel.STEP_REJECTED_ERROR)
                .containsEntry("rejectionReason", "out of stock: SKU-1");
    }

    @Test
    @DisplayName("when payment is rejected, only the reserved stock is released, and the order ends compensated once the release succeeds")
    void rejectionAtChargePayment() throws Exception {
        startOrder();
        runStep(RESERVE_STOCK);
        answer(RESERVE_STOCK, ReplyBody.success(Map.of()));
        runStep(CHARGE_PAYMENT);

        answer(CHARGE_PAYMENT, ReplyBody.businessFailure("card declined"));

        assertThat(order).isNotEnded().hasPassed(STEP_REJECTED).hasNotPassed(ORDER_COMPENSATED);
        RecordingStepCommands.Sent release = compensationSent(RELEASE_STOCK);
        assertCompensation(release, RELEASE_STOCK, "inventory.release", RESERVE_STOCK);
        assertThat(payload(release)).containsExactly(
                entry("orderId", ORDER_ID), entry("sku", "SKU-1"), entry("quantity", 2));
        assertThat(recorder.commandNames()).containsExactly("inventory.reserve", "payment.charge", "inventory.release");
        assertThat(order).as("the compensation waits for its reply")
                .isWaitingAtExactly(COMPENSATE_ORDER, COMPENSATE_COMPLETED_STEPS, RELEASE_STOCK);

        answer(RELEASE_STOCK, ReplyBody.success(Map.of()));

        assertThat(order).isEnded()
                .hasPassedInOrder(RESERVE_STOCK, STEP_REJECTED, RELEASE_STOCK, ORDER_COMPENSATED)
                .hasNotPassed(REFUND_PAYMENT, CANCEL_SHIPMENT, SCHEDULE_SHIPMENT, ORDER_FULFILLED);
        assertThat(recorder.commandNames()).containsExactly("inventory.reserve", "payment.charge", "inventory.release");
        assertThat(processVariables()).containsEntry("rejectionReason", "card declined");
    }

    @Test
    @DisplayName("when shipment scheduling is rejected, stock is released and payment refunded (only those), and the order ends compensated after both succeed")
    void rejectionAtScheduleShipment() throws Exception {
        startOrder();
        runStep(RESERVE_STOCK);
        answer(RESERVE_STOCK, ReplyBody.success(Map.of()));
        runStep(CHARGE_PAYMENT);
        answer(CHARGE_PAYMENT, ReplyBody.success(Map.of()));
        runStep(SCHEDULE_SHIPMENT);

        answer(SCHEDULE_SHIPMENT, ReplyBody.businessFailure("no carrier serves DE"));

        RecordingStepCommands.Sent refund = compensationSent(REFUND_PAYMENT);
        RecordingStepCommands.Sent release = compensationSent(RELEASE_STOCK);
        assertThat(recorder.sent()).hasSize(5);
        assertThat(order).as("both compensations wait for their replies")
                .isWaitingAtExactly(COMPENSATE_ORDER, COMPENSATE_COMPLETED_STEPS, RELEASE_STOCK, REFUND_PAYMENT);
        assertCompensation(refund, REFUND_PAYMENT, "payment.refund", CHARGE_PAYMENT);
        assertCompensation(release, RELEASE_STOCK, "inventory.release", RESERVE_STOCK);
        assertThat(payload(refund)).containsExactly(
                entry("orderId", ORDER_ID), entry("customerId", "customer-7"), entry("amount", 49.9));

        answer(REFUND_PAYMENT, ReplyBody.success(Map.of()));
        assertThat(order).as("still waiting for the stock release").isNotEnded()
                .isWaitingAt(RELEASE_STOCK).hasNotPassed(ORDER_COMPENSATED);
        answer(RELEASE_STOCK, ReplyBody.success(Map.of()));

        assertThat(order).isEnded()
                .hasPassed(RELEASE_STOCK, REFUND_PAYMENT, ORDER_COMPENSATED)
                .hasNotPassed(CANCEL_SHIPMENT, ORDER_FULFILLED);
        assertThat(recorder.commandNames()).hasSize(5)
                .startsWith("inventory.reserve", "payment.charge", "shipping.schedule")
                .containsOnlyOnce("inventory.release", "payment.refund")
                .doesNotContain("shipping.cancel");
    }

    @Test
    @DisplayName("a technical failure reply raises a retryable failed-job incident on the step, with the reason, and neither ends nor compensates the order")
    void technicalFailureRaisesIncident() throws Exception {
        startOrder();
        runStep(RESERVE_STOCK);
        answer(RESERVE_STOCK, ReplyBody.success(Map.of()));
        RecordingStepCommands.Sent charge = runStep(CHARGE_PAYMENT);
        String reason = "payment provider unreachable after 5 attempts";

        answer(CHARGE_PAYMENT, ReplyBody.technicalFailure(reason));

        Incident incident = runtimeService().createIncidentQuery().processInstanceId(order.getId()).singleResult();
        assertThat(incident).as("exactly one incident").isNotNull();
        assertThat(incident.getIncidentType()).isEqualTo(Incident.FAILED_JOB_HANDLER_TYPE);
        assertThat(incident.getIncidentMessage()).isEqualTo(reason);
        assertThat(incident.getActivityId()).isEqualTo(CHARGE_PAYMENT);
        assertThat(incident.getExecutionId()).isEqualTo(charge.command().executionId());

        assertThat(order).isNotEnded().isWaitingAtExactly(CHARGE_PAYMENT)
                .hasNotPassed(STEP_REJECTED, COMPENSATE_COMPLETED_STEPS, RELEASE_STOCK, REFUND_PAYMENT,
                        CANCEL_SHIPMENT, ORDER_COMPENSATED, SCHEDULE_SHIPMENT);
        Job resend = jobQuery().processInstanceId(order.getId()).singleResult();
        assertThat(resend).as("only the re-send job, which waits for an operator's retry").isNotNull();
        assertThat(resend.getRetries()).isZero();
        assertThat(resend.getExceptionMessage()).isEqualTo(reason);
        assertThat(incident.getConfiguration()).isEqualTo(resend.getId());
        assertThat(recorder.commandNames()).containsExactly("inventory.reserve", "payment.charge");
    }

    @Test
    @DisplayName("the model follows the saga conventions: ${sagaStep} steps without asyncBefore, each with a command, a compensation handler per forward step, a history time to live")
    void modelFollowsSagaConventions() throws Exception {
        BpmnModelInstance model;
        try (InputStream bpmn = Objects.requireNonNull(getClass().getClassLoader().getResourceAsStream(BPMN), BPMN)) {
            model = Bpmn.readModelFromStream(bpmn);
        }
        List<String> violations = new ArrayList<>();

        Process process = model.getModelElementById(PROCESS_KEY);
        assertThat(process).as("process " + PROCESS_KEY).isNotNull();
        if (process.getCamundaHistoryTimeToLiveString() == null || process.getCamundaHistoryTimeToLiveString().isBlank()) {
            violations.add("process " + process.getId() + " has no camunda:historyTimeToLive");
        }

        Collection<ServiceTask> tasks = model.getModelElementsByType(ServiceTask.class);
        assertThat(tasks).as("service tasks").isNotEmpty();
        for (ServiceTask task : tasks) {
            if (!"${sagaStep}".equals(task.getCamundaDelegateExpression())) {
                violations.add(task.getId() + " does not use delegateExpression ${sagaStep} but "
                        + task.getCamundaDelegateExpression());
            }
            if (task.getCamundaClass() != null || task.getCamundaExpression() != null || task.getCamundaType() != null) {
                violations.add(task.getId() + " has a second implementation besides ${sagaStep}");
            }
            if (task.isCamundaAsyncBefore()) {
                violations.add(task.getId() + " is asyncBefore: a job per step costs a transaction and buys"
                        + " nothing (the step only writes two rows); the element templates set it to false");
            }
            String command = inputParameters(task).get(SagaModel.INPUT_COMMAND);
            if (command == null || command.isBlank()) {
                violations.add(task.getId() + " has no '" + SagaModel.INPUT_COMMAND + "' input parameter");
            }
        }

        List<ServiceTask> forwardSteps = tasks.stream().filter(task -> !task.isForCompensation()).toList();
        assertThat(forwardSteps).extracting(BaseElement::getId)
                .containsExactlyInAnyOrder(RESERVE_STOCK, CHARGE_PAYMENT, SCHEDULE_SHIPMENT);
        for (ServiceTask step : forwardSteps) {
            List<ServiceTask> handlers = compensationHandlersOf(model, step);
            if (handlers.size() != 1) {
                violations.add(step.getId() + " needs exactly one compensation boundary event with a handler"
                        + " (isForCompensation service task), has " + handlers.stream().map(BaseElement::getId).toList());
            }
        }
        List<String> handled = forwardSteps.stream()
                .flatMap(step -> compensationHandlersOf(model, step).stream()).map(BaseElement::getId).toList();
        for (ServiceTask handler : tasks.stream().filter(ServiceTask::isForCompensation).toList()) {
            if (!handled.contains(handler.getId())) {
                violations.add("compensation handler " + handler.getId() + " is not associated with any step");
            }
        }

        assertThat(violations).as("convention violations in " + BPMN).isEmpty();
    }

    // --- the saga, driven the way the service drives it ---

    /** A saga of one ${sagaStep} task with these input parameters; deleted (with its instances) after the test. */
    private void deployOneStepSaga(String processKey, Map<String, String> inputs) {
        var step = Bpmn.createExecutableProcess(processKey).camundaHistoryTimeToLive(1).startEvent()
                .serviceTask("Step").camundaDelegateExpression("${sagaStep}");
        inputs.forEach(step::camundaInputParameter);
        extraDeployments.add(engine.getRepositoryService().createDeployment()
                .addModelInstance(processKey + ".bpmn", step.endEvent().done()).deploy().getId());
    }

    private void startOrder() {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("orderId", ORDER_ID);
        variables.put("customerId", "customer-7");
        variables.put("sku", "SKU-1");
        variables.put("quantity", 2);
        variables.put("amount", 49.9);
        variables.put("country", "DE");
        variables.put("note", "not part of any payload");
        order = runtimeService().startProcessInstanceByKey(PROCESS_KEY, ORDER_ID, variables);
        assertThat(order).isStarted().isWaitingAt(RESERVE_STOCK);
        assertThat(recorder.sent()).as("no asyncBefore: the first step's command is sent in the starting transaction")
                .hasSize(1);
    }

    /**
     * The command the step sent when the execution reached it: in the same transaction (the start,
     * or the previous step's reply), with no job in between, and it is still waiting for its reply.
     */
    private RecordingStepCommands.Sent runStep(String activityId) {
        assertThat(order).isWaitingAt(activityId);
        assertThat(jobQuery().processInstanceId(order.getId()).count()).as("jobs while %s waits", activityId).isZero();
        assertThat(recorder.sentBy(activityId)).as("commands sent by " + activityId).isNotEmpty();
        return recorder.waitingAt(activityId);
    }

    /**
     * The command the compensation handler sent when the rejection triggered the compensation.
     *
     * <p>The compensation command is sent in the transaction of the rejecting reply. Camunda 7 would
     * not even honour asyncBefore on a compensation handler: CompensationEventHandler starts it with
     * {@code PvmAtomicOperation.ACTIVITY_START}, past the async check.
     */
    private RecordingStepCommands.Sent compensationSent(String handlerId) {
        assertThat(jobQuery().processInstanceId(order.getId()).count())
                .as("jobs after the compensation of %s started", handlerId).isZero();
        assertThat(recorder.sentBy(handlerId)).as("commands sent by " + handlerId).hasSize(1);
        return recorder.waitingAt(handlerId);
    }

    /** What ReplyCorrelator does with a reply: check the execution still waits there, then signal it. */
    private void answer(String activityId, ReplyBody reply) {
        RecordingStepCommands.Sent command = recorder.waitingAt(activityId);
        String executionId = command.command().executionId();
        assertThat(runtimeService().createExecutionQuery().executionId(executionId).activityId(activityId).count())
                .as("execution %s of %s still waits for the reply to %s", executionId, activityId, command.commandId())
                .isEqualTo(1);
        recorder.answered(command.commandId());
        runtimeService().signal(executionId, reply.outcome().name(), reply, null);
    }

    private void assertAction(RecordingStepCommands.Sent sent, String activityId, String command) {
        assertCommand(sent, activityId, command, Operation.ACTION, activityId);
    }

    private void assertCompensation(RecordingStepCommands.Sent sent, String handlerId, String command,
                                    String compensatedStep) {
        assertCommand(sent, handlerId, command, Operation.COMPENSATION, compensatedStep);
    }

    private void assertCommand(RecordingStepCommands.Sent sent, String activityId, String command, Operation op,
                               String step) {
        StepCommand c = sent.command();
        assertThat(c.command()).as("command").isEqualTo(command);
        assertThat(c.activityId()).as("activityId of " + command).isEqualTo(activityId);
        assertThat(c.op()).as("op of " + command).isEqualTo(op);
        assertThat(c.step()).as("step of " + command).isEqualTo(step);
        assertThat(c.sagaId()).as("sagaId of " + command).isEqualTo(order.getId());
        assertThat(c.businessKey()).as("businessKey of " + command).isEqualTo(ORDER_ID);
        assertThat(c.processKey()).as("processKey of " + command).isEqualTo(PROCESS_KEY);
        assertThat(c.executionId()).as("executionId of " + command).isNotBlank();
    }

    private Map<String, Object> payload(RecordingStepCommands.Sent sent) throws Exception {
        return objectMapper.readValue(sent.command().payload(), new TypeReference<LinkedHashMap<String, Object>>() {
        });
    }

    /** The process-scope variables of the order (from history, so they can be read after the end). */
    private Map<String, Object> processVariables() {
        Map<String, Object> variables = new LinkedHashMap<>();
        for (HistoricVariableInstance variable : historyService().createHistoricVariableInstanceQuery()
                .processInstanceId(order.getId()).list()) {
            if (order.getId().equals(variable.getActivityInstanceId())) { // process scope, not an activity's input
                variables.put(variable.getName(), variable.getValue());
            }
        }
        return variables;
    }

    private static Map<String, String> inputParameters(ServiceTask task) {
        ExtensionElements extensions = task.getExtensionElements();
        if (extensions == null) {
            return Map.of();
        }
        return extensions.getElementsQuery().filterByType(CamundaInputOutput.class).list().stream()
                .flatMap(io -> io.getCamundaInputParameters().stream())
                .collect(Collectors.toMap(CamundaInputParameter::getCamundaName,
                        parameter -> parameter.getTextContent() == null ? "" : parameter.getTextContent().trim(),
                        (first, second) -> first, LinkedHashMap::new));
    }

    /** The handlers associated with compensation boundary events attached to the step. */
    private static List<ServiceTask> compensationHandlersOf(BpmnModelInstance model, ServiceTask step) {
        List<ServiceTask> handlers = new ArrayList<>();
        for (BoundaryEvent boundary : model.getModelElementsByType(BoundaryEvent.class)) {
            boolean compensation = boundary.getEventDefinitions().stream()
                    .anyMatch(CompensateEventDefinition.class::isInstance);
            if (!compensation || boundary.getAttachedTo() != step) {
                continue;
            }
            for (Association association : model.getModelElementsByType(Association.class)) {
                if (association.getSource() == boundary && association.getTarget() instanceof ServiceTask handler
                        && handler.isForCompensation()) {
                    handlers.add(handler);
                }
            }
        }
        return handlers;
    }
}
