package io.sagaflow.saga;

import static io.sagaflow.saga.BpmnModels.compensationHandlersOf;
import static io.sagaflow.saga.BpmnModels.inputParameters;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.historyService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.jobQuery;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.runtimeService;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.sagaflow.contract.ReplyBody;
import org.camunda.bpm.engine.history.HistoricVariableInstance;
import org.camunda.bpm.engine.runtime.Incident;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.Deployment;
import org.camunda.bpm.engine.test.junit5.ProcessEngineExtension;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.BaseElement;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The order-fulfillment saga on a plain in-memory engine (no Spring, no broker, camunda.cfg.xml),
 * one {@link SagaScenario} per path: given the order started, expect each step's command, reply as
 * the participant would, expect the next command, the compensations or the end.
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

    /** Forward step → its compensation handler, and the commands of both. */
    private static final Map<String, String> HANDLER_OF = Map.of(
            RESERVE_STOCK, RELEASE_STOCK, CHARGE_PAYMENT, REFUND_PAYMENT, SCHEDULE_SHIPMENT, CANCEL_SHIPMENT);
    private static final Map<String, String> COMMAND_OF = Map.of(
            RESERVE_STOCK, "inventory.reserve", CHARGE_PAYMENT, "payment.charge", SCHEDULE_SHIPMENT, "shipping.schedule",
            RELEASE_STOCK, "inventory.release", REFUND_PAYMENT, "payment.refund", CANCEL_SHIPMENT, "shipping.cancel");

    @RegisterExtension
    static ProcessEngineExtension engine = ProcessEngineExtension.builder().build();

    @RegisterExtension
    final SagaScenario saga = SagaScenario.of(engine, PROCESS_KEY, COMMAND_OF, HANDLER_OF);

    private final List<String> extraDeployments = new ArrayList<>();

    @AfterEach
    void deleteExtraDeployments() {
        extraDeployments.forEach(id -> engine.getRepositoryService().deleteDeployment(id, true));
    }

    @Test
    @DisplayName("when every participant succeeds, the order passes reserve, charge and ship in order and is fulfilled without compensation")
    void allStepsSucceed() throws Exception {
        saga.givenStartedWith(ORDER_ID, order());

        var reserve = saga.expectCommand(RESERVE_STOCK).reply(ReplyBody.success(Map.of()));
        var charge = saga.expectCommand(CHARGE_PAYMENT).reply(ReplyBody.success(Map.of()));
        var ship = saga.expectCommand(SCHEDULE_SHIPMENT)
                .reply(ReplyBody.success(Map.of("shipmentId", "SHIP-7", "carrier", "DHL")));

        assertThat(saga.instance()).isEnded()
                .hasPassedInOrder(RESERVE_STOCK, CHARGE_PAYMENT, SCHEDULE_SHIPMENT, ORDER_FULFILLED)
                .hasNotPassed(RELEASE_STOCK, REFUND_PAYMENT, CANCEL_SHIPMENT, STEP_REJECTED,
                        COMPENSATE_COMPLETED_STEPS, ORDER_COMPENSATED);

        assertThat(saga.commandNames()).containsExactly("inventory.reserve", "payment.charge", "shipping.schedule");
        assertThat(reserve.payload()).containsExactly(
                entry("orderId", ORDER_ID), entry("sku", "SKU-1"), entry("quantity", 2));
        assertThat(charge.payload()).containsExactly(
                entry("orderId", ORDER_ID), entry("customerId", "customer-7"), entry("amount", 49.9));
        assertThat(ship.payload()).containsExactly(
                entry("orderId", ORDER_ID), entry("sku", "SKU-1"), entry("quantity", 2), entry("country", "DE"));

        // resultVariables=shipmentId: that field of the SUCCESS result, and only that one, becomes a variable.
        assertThat(saga.processVariables()).containsEntry("shipmentId", "SHIP-7").doesNotContainKey("carrier");
    }

    @Test
    @DisplayName("a step's input parameters configure it without becoming variables: no runtime or history variable named command, payloadVariables, resultVariables or deadline")
    void inputParametersAreNotVariables() {
        ProcessInstance order = saga.givenStartedWith(ORDER_ID, order());
        var reserve = saga.expectCommand(RESERVE_STOCK);
        assertThat(reserve.command().command()).isEqualTo("inventory.reserve");
        assertThat(reserve.command().deadline()).isEqualTo(java.time.Duration.ofSeconds(30));
        assertThat(runtimeService().createVariableInstanceQuery().processInstanceIdIn(order.getId()).list())
                .extracting(org.camunda.bpm.engine.runtime.VariableInstance::getName)
                .doesNotContainAnyElementsOf(STEP_INPUTS);
        reserve.reply(ReplyBody.success(Map.of()));
        saga.expectCommand(CHARGE_PAYMENT).reply(ReplyBody.success(Map.of()));
        saga.expectCommand(SCHEDULE_SHIPMENT).reply(ReplyBody.success(Map.of("shipmentId", "SHIP-7")));

        assertThat(order).isEnded();
        assertThat(saga.processVariables()).containsEntry("shipmentId", "SHIP-7");
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

        StepCommand sent = saga.commands().waitingAt("Step").command();
        assertThat(sent.command()).isEqualTo("inventory.reserve");
        assertThat(sent.deadline()).isEqualTo(java.time.Duration.ofSeconds(45));
        assertThat(sent.payload()).isEqualTo("{\"orderId\":\"order-9\"}");
        assertThat(runtimeService().getVariablesLocal(sent.executionId()).keySet())
                .doesNotContainAnyElementsOf(STEP_INPUTS);
    }

    @Test
    @DisplayName("a step that cannot build its command (its command expression gives nothing) raises an incident on the step at once instead of failing the transaction that reached it")
    void invalidStepIsAnIncident() {
        // A step with no 'command' input at all is refused at deployment (SagaShapeRulesTests).
        deployOneStepSaga("invalid-step", Map.of(SagaModel.INPUT_DEADLINE, "PT10S", SagaModel.INPUT_COMMAND,
                "${commandName}"));

        ProcessInstance invalid = runtimeService().startProcessInstanceByKey("invalid-step",
                Map.of("commandName", ""));

        assertThat(invalid).isWaitingAt("Step");
        assertThat(saga.commands().sent()).isEmpty();
        Incident incident = runtimeService().createIncidentQuery().processInstanceId(invalid.getId()).singleResult();
        assertThat(incident).isNotNull();
        assertThat(incident.getActivityId()).isEqualTo("Step");
        assertThat(incident.getIncidentMessage()).contains("Step", "has no input parameter 'command'");
    }

    @Test
    @DisplayName("when stock reservation is rejected, nothing is compensated and the order ends compensated with the rejection recorded")
    void rejectionAtReserveStock() {
        saga.givenStartedWith(ORDER_ID, order());

        saga.expectCommand(RESERVE_STOCK).reply(ReplyBody.businessFailure("out of stock: SKU-1"));

        assertThat(saga.instance()).isEnded()
                .hasPassedInOrder(STEP_REJECTED, COMPENSATE_COMPLETED_STEPS, ORDER_COMPENSATED)
                .hasNotPassed(RELEASE_STOCK, REFUND_PAYMENT, CANCEL_SHIPMENT,
                        CHARGE_PAYMENT, SCHEDULE_SHIPMENT, ORDER_FULFILLED);
        assertThat(saga.commandNames()).as("no compensation command may be sent").containsExactly("inventory.reserve");
        assertThat(saga.processVariables())
                .containsEntry("rejectedCode", SagaModel.STEP_REJECTED_ERROR)
                .containsEntry("rejectionReason", "out of stock: SKU-1");
    }

    @Test
    @DisplayName("when payment is rejected, only the reserved stock is released, and the order ends compensated once the release succeeds")
    void rejectionAtChargePayment() throws Exception {
        saga.givenStartedWith(ORDER_ID, order());
        saga.expectCommand(RESERVE_STOCK).reply(ReplyBody.success(Map.of()));

        saga.expectCommand(CHARGE_PAYMENT).reply(ReplyBody.businessFailure("card declined"));

        assertThat(saga.instance()).isNotEnded().hasPassed(STEP_REJECTED).hasNotPassed(ORDER_COMPENSATED);
        var release = saga.expectCompensation(RELEASE_STOCK);
        assertThat(release.payload()).containsExactly(
                entry("orderId", ORDER_ID), entry("sku", "SKU-1"), entry("quantity", 2));
        assertThat(saga.commandNames()).containsExactly("inventory.reserve", "payment.charge", "inventory.release");
        assertThat(saga.instance()).as("the compensation waits for its reply")
                .isWaitingAtExactly(COMPENSATE_ORDER, COMPENSATE_COMPLETED_STEPS, RELEASE_STOCK);

        release.reply(ReplyBody.success(Map.of()));

        assertThat(saga.instance()).isEnded()
                .hasPassedInOrder(RESERVE_STOCK, STEP_REJECTED, RELEASE_STOCK, ORDER_COMPENSATED)
                .hasNotPassed(REFUND_PAYMENT, CANCEL_SHIPMENT, SCHEDULE_SHIPMENT, ORDER_FULFILLED);
        assertThat(saga.commandNames()).containsExactly("inventory.reserve", "payment.charge", "inventory.release");
        assertThat(saga.processVariables()).containsEntry("rejectionReason", "card declined");
    }

    @Test
    @DisplayName("when shipment scheduling is rejected, stock is released and payment refunded (only those), and the order ends compensated after both succeed")
    void rejectionAtScheduleShipment() throws Exception {
        saga.givenStartedWith(ORDER_ID, order());
        saga.expectCommand(RESERVE_STOCK).reply(ReplyBody.success(Map.of()));
        saga.expectCommand(CHARGE_PAYMENT).reply(ReplyBody.success(Map.of()));

        saga.expectCommand(SCHEDULE_SHIPMENT).reply(ReplyBody.businessFailure("no carrier serves DE"));

        var refund = saga.expectCompensation(REFUND_PAYMENT);
        var release = saga.expectCompensation(RELEASE_STOCK);
        assertThat(saga.commands().sent()).hasSize(5);
        assertThat(saga.instance()).as("both compensations wait for their replies")
                .isWaitingAtExactly(COMPENSATE_ORDER, COMPENSATE_COMPLETED_STEPS, RELEASE_STOCK, REFUND_PAYMENT);
        assertThat(refund.payload()).containsExactly(
                entry("orderId", ORDER_ID), entry("customerId", "customer-7"), entry("amount", 49.9));

        refund.reply(ReplyBody.success(Map.of()));
        assertThat(saga.instance()).as("still waiting for the stock release").isNotEnded()
                .isWaitingAt(RELEASE_STOCK).hasNotPassed(ORDER_COMPENSATED);
        release.reply(ReplyBody.success(Map.of()));

        assertThat(saga.instance()).isEnded()
                .hasPassed(RELEASE_STOCK, REFUND_PAYMENT, ORDER_COMPENSATED)
                .hasNotPassed(CANCEL_SHIPMENT, ORDER_FULFILLED);
        assertThat(saga.commandNames()).hasSize(5)
                .startsWith("inventory.reserve", "payment.charge", "shipping.schedule")
                .containsOnlyOnce("inventory.release", "payment.refund")
                .doesNotContain("shipping.cancel");
    }

    @Test
    @DisplayName("a technical failure reply raises a retryable failed-job incident on the step, with the reason, and neither ends nor compensates the order")
    void technicalFailureRaisesIncident() {
        ProcessInstance order = saga.givenStartedWith(ORDER_ID, order());
        saga.expectCommand(RESERVE_STOCK).reply(ReplyBody.success(Map.of()));
        String reason = "payment provider unreachable after 5 attempts";

        var charge = saga.expectCommand(CHARGE_PAYMENT).reply(ReplyBody.technicalFailure(reason));

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
        assertThat(saga.commandNames()).containsExactly("inventory.reserve", "payment.charge");
    }

    @Test
    @DisplayName("the model follows the saga conventions: ${sagaStep} steps without asyncBefore, each with a command, a compensation handler per forward step, a history time to live")
    void modelFollowsSagaConventions() throws Exception {
        BpmnModelInstance model = BpmnModels.read(BPMN);
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

    /** The order every scenario starts with: what the steps' payloads are made of, and a note they leave out. */
    private static Map<String, Object> order() {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("orderId", ORDER_ID);
        variables.put("customerId", "customer-7");
        variables.put("sku", "SKU-1");
        variables.put("quantity", 2);
        variables.put("amount", 49.9);
        variables.put("country", "DE");
        variables.put("note", "not part of any payload");
        return variables;
    }
}
