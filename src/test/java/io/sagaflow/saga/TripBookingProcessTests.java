package io.sagaflow.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.historyService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.jobQuery;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.runtimeService;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.messaging.Operation;
import io.sagaflow.messaging.ReplyBody;
import org.camunda.bpm.engine.history.HistoricVariableInstance;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.Deployment;
import org.camunda.bpm.engine.test.assertions.bpmn.AbstractAssertions;
import org.camunda.bpm.engine.test.junit5.ProcessEngineExtension;
import org.camunda.bpm.engine.test.mock.Mocks;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.Association;
import org.camunda.bpm.model.bpmn.instance.BoundaryEvent;
import org.camunda.bpm.model.bpmn.instance.CompensateEventDefinition;
import org.camunda.bpm.model.bpmn.instance.EndEvent;
import org.camunda.bpm.model.bpmn.instance.ErrorEventDefinition;
import org.camunda.bpm.model.bpmn.instance.ExtensionElements;
import org.camunda.bpm.model.bpmn.instance.IntermediateThrowEvent;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.StartEvent;
import org.camunda.bpm.model.bpmn.instance.SubProcess;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputOutput;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputParameter;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperties;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The trip-booking saga on a plain in-memory engine (no Spring, no broker, camunda.cfg.xml), the
 * same way as {@link OrderFulfillmentProcessTests}: the real {@link SagaStepBehavior} sends commands
 * into a {@link RecordingStepCommands}, and the test plays the car, hotel and flight participants by
 * signalling the waiting execution with a {@link ReplyBody}, exactly as {@link ReplyCorrelator} does.
 *
 * <p>The saga was modelled with the element templates only, without a line of saga-specific Java;
 * this class also checks that the model satisfies those templates.
 */
@Deployment(resources = TripBookingProcessTests.BPMN)
class TripBookingProcessTests {

    static final String BPMN = "processes/trip-booking.bpmn";

    private static final String PROCESS_KEY = "trip-booking";

    private static final String RESERVE_CAR = "Task_ReserveCar";
    private static final String BOOK_HOTEL = "Task_BookHotel";
    private static final String BOOK_FLIGHT = "Task_BookFlight";
    private static final String CANCEL_CAR = "Task_CancelCar";
    private static final String CANCEL_HOTEL = "Task_CancelHotel";
    private static final String CANCEL_FLIGHT = "Task_CancelFlight";
    private static final String TRIP_BOOKED = "EndEvent_TripBooked";
    private static final String COMPENSATE_TRIP = "SubProcess_CompensateTrip";
    private static final String STEP_REJECTED = "StartEvent_StepRejected";
    private static final String COMPENSATE_COMPLETED_STEPS = "IntermediateThrowEvent_CompensateCompletedSteps";
    private static final String TRIP_COMPENSATED = "EndEvent_TripCompensated";

    /** Forward step → its compensation handler, and the commands of both. */
    private static final Map<String, String> HANDLER_OF = Map.of(
            RESERVE_CAR, CANCEL_CAR, BOOK_HOTEL, CANCEL_HOTEL, BOOK_FLIGHT, CANCEL_FLIGHT);
    private static final Map<String, String> COMMAND_OF = Map.of(
            RESERVE_CAR, "car.reserve", BOOK_HOTEL, "hotel.book", BOOK_FLIGHT, "flight.book",
            CANCEL_CAR, "car.cancel", CANCEL_HOTEL, "hotel.cancel", CANCEL_FLIGHT, "flight.cancel");

    private static final Path TEMPLATES = Path.of("processes", "element-templates");
    private static final String STEP_TEMPLATE = "io.sagaflow.SagaStep";
    private static final String COMPENSATION_TEMPLATE = "io.sagaflow.SagaCompensation";

    private static final String TRIP_ID = "trip-17";

    @RegisterExtension
    static ProcessEngineExtension engine = ProcessEngineExtension.builder().build();

    private final ObjectMapper objectMapper = new ObjectMapper();
    private final RecordingStepCommands recorder = new RecordingStepCommands();

    private ProcessInstance trip;
    private Instant now;

    @BeforeEach
    void useRealStepBehaviourWithRecordingPort() {
        // Bind camunda-bpm-assert to this engine: in a JVM that also ran Spring Boot tests,
        // ProcessEngines knows more than one engine and the automatic lookup would refuse.
        AbstractAssertions.init(engine.getProcessEngine());
        Mocks.register(SagaModel.STEP_BEAN, new SagaStepBehavior(recorder, objectMapper));
        // Camunda 7 starts compensation handlers in reverse order of the compensation subscriptions'
        // creation time, which has millisecond resolution: a clock that moves on between steps makes
        // that order the order in which the steps completed, as it is in a real saga.
        now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        ClockUtil.setCurrentTime(Date.from(now));
    }

    @AfterEach
    void reset() {
        ClockUtil.reset();
        Mocks.reset();
        AbstractAssertions.reset();
    }

    @Test
    @DisplayName("when every participant succeeds, the trip reserves a car, books hotel and flight in order, keeps the three booking ids and is booked without compensation")
    void allStepsSucceed() throws Exception {
        startTrip();

        RecordingStepCommands.Sent car = runStep(RESERVE_CAR);
        answer(RESERVE_CAR, ReplyBody.success(Map.of("carReservationId", "CAR-1", "model", "compact")));
        RecordingStepCommands.Sent hotel = runStep(BOOK_HOTEL);
        answer(BOOK_HOTEL, ReplyBody.success(Map.of("hotelBookingId", "HOTEL-2")));
        RecordingStepCommands.Sent flight = runStep(BOOK_FLIGHT);
        answer(BOOK_FLIGHT, ReplyBody.success(Map.of("flightBookingId", "FLIGHT-3", "seat", "12A")));

        assertThat(trip).isEnded()
                .hasPassedInOrder(RESERVE_CAR, BOOK_HOTEL, BOOK_FLIGHT, TRIP_BOOKED)
                .hasNotPassed(CANCEL_CAR, CANCEL_HOTEL, CANCEL_FLIGHT, STEP_REJECTED, COMPENSATE_COMPLETED_STEPS,
                        TRIP_COMPENSATED);
        assertThat(recorder.commandNames()).containsExactly("car.reserve", "hotel.book", "flight.book");
        assertAction(car, RESERVE_CAR);
        assertAction(hotel, BOOK_HOTEL);
        assertAction(flight, BOOK_FLIGHT);
        assertThat(payload(car)).containsExactly(entry("tripId", TRIP_ID), entry("customerId", "customer-3"),
                entry("city", "Lisbon"), entry("days", 4));
        assertThat(payload(hotel)).containsExactly(entry("tripId", TRIP_ID), entry("customerId", "customer-3"),
                entry("city", "Lisbon"), entry("nights", 3));
        assertThat(payload(flight)).containsExactly(entry("tripId", TRIP_ID), entry("customerId", "customer-3"),
                entry("from", "BER"), entry("to", "LIS"));

        // resultVariables: exactly the named result fields become process variables.
        assertThat(processVariables())
                .containsEntry("carReservationId", "CAR-1")
                .containsEntry("hotelBookingId", "HOTEL-2")
                .containsEntry("flightBookingId", "FLIGHT-3")
                .doesNotContainKeys("model", "seat", "rejectedCode", "rejectionReason");
    }

    @Test
    @DisplayName("when the car is rejected, nothing is compensated: no cancel command is sent and the trip ends compensated with the reason")
    void rejectionAtReserveCar() throws Exception {
        startTrip();

        runStep(RESERVE_CAR);
        answer(RESERVE_CAR, ReplyBody.businessFailure("no car available in Atlantis"));

        assertThat(trip).isEnded()
                .hasPassedInOrder(RESERVE_CAR, STEP_REJECTED, COMPENSATE_COMPLETED_STEPS, TRIP_COMPENSATED)
                .hasNotPassed(BOOK_HOTEL, BOOK_FLIGHT, CANCEL_CAR, CANCEL_HOTEL, CANCEL_FLIGHT, TRIP_BOOKED);
        assertThat(recorder.commandNames()).as("no compensation command may be sent").containsExactly("car.reserve");
        assertThat(processVariables())
                .containsEntry("rejectedCode", SagaModel.STEP_REJECTED_ERROR)
                .containsEntry("rejectionReason", "no car available in Atlantis")
                .doesNotContainKey("carReservationId");
    }

    @Test
    @DisplayName("when the hotel is rejected, only the car is cancelled, and the trip ends compensated once the cancellation succeeds")
    void rejectionAtBookHotel() throws Exception {
        startTrip();
        runStep(RESERVE_CAR);
        answer(RESERVE_CAR, ReplyBody.success(Map.of("carReservationId", "CAR-1")));
        runStep(BOOK_HOTEL);

        answer(BOOK_HOTEL, ReplyBody.businessFailure("no hotel room available in Lisbon"));

        assertThat(trip).isNotEnded().hasPassed(STEP_REJECTED).hasNotPassed(TRIP_COMPENSATED);
        RecordingStepCommands.Sent cancelCar = compensationSent(CANCEL_CAR);
        assertCompensation(cancelCar, CANCEL_CAR, RESERVE_CAR);
        assertThat(payload(cancelCar)).containsExactly(entry("tripId", TRIP_ID));
        assertThat(recorder.commandNames()).containsExactly("car.reserve", "hotel.book", "car.cancel");
        assertThat(trip).as("the compensation waits for its reply")
                .isWaitingAtExactly(COMPENSATE_TRIP, COMPENSATE_COMPLETED_STEPS, CANCEL_CAR);

        answer(CANCEL_CAR, ReplyBody.success(Map.of()));

        assertThat(trip).isEnded()
                .hasPassedInOrder(RESERVE_CAR, STEP_REJECTED, CANCEL_CAR, TRIP_COMPENSATED)
                .hasNotPassed(CANCEL_HOTEL, CANCEL_FLIGHT, BOOK_FLIGHT, TRIP_BOOKED);
        assertThat(recorder.commandNames()).containsExactly("car.reserve", "hotel.book", "car.cancel");
        assertThat(processVariables())
                .containsEntry("rejectionReason", "no hotel room available in Lisbon")
                .containsEntry("carReservationId", "CAR-1")
                .doesNotContainKey("hotelBookingId");
    }

    @Test
    @DisplayName("when the flight is rejected, hotel and car are cancelled (latest first, the flight never), and the trip ends compensated once both replies are in, whatever their order")
    void rejectionAtBookFlight() throws Exception {
        startTrip();
        runStep(RESERVE_CAR);
        answer(RESERVE_CAR, ReplyBody.success(Map.of("carReservationId", "CAR-1")));
        runStep(BOOK_HOTEL);
        answer(BOOK_HOTEL, ReplyBody.success(Map.of("hotelBookingId", "HOTEL-2")));
        runStep(BOOK_FLIGHT);

        answer(BOOK_FLIGHT, ReplyBody.businessFailure("no seats left on flights to XXX"));

        RecordingStepCommands.Sent cancelHotel = compensationSent(CANCEL_HOTEL);
        RecordingStepCommands.Sent cancelCar = compensationSent(CANCEL_CAR);
        assertCompensation(cancelHotel, CANCEL_HOTEL, BOOK_HOTEL);
        assertCompensation(cancelCar, CANCEL_CAR, RESERVE_CAR);
        assertThat(payload(cancelHotel)).containsExactly(entry("tripId", TRIP_ID));
        assertThat(payload(cancelCar)).containsExactly(entry("tripId", TRIP_ID));
        assertThat(recorder.commandNames()).as("compensations are sent in reverse order of completion")
                .containsExactly("car.reserve", "hotel.book", "flight.book", "hotel.cancel", "car.cancel");
        assertThat(trip).as("both compensations wait for their replies")
                .isWaitingAtExactly(COMPENSATE_TRIP, COMPENSATE_COMPLETED_STEPS, CANCEL_CAR, CANCEL_HOTEL);

        // The two commands travel independently: the car's reply may well come first.
        answer(CANCEL_CAR, ReplyBody.success(Map.of()));
        assertThat(trip).as("still waiting for the hotel cancellation").isNotEnded()
                .isWaitingAtExactly(COMPENSATE_TRIP, COMPENSATE_COMPLETED_STEPS, CANCEL_HOTEL)
                .hasNotPassed(TRIP_COMPENSATED);
        answer(CANCEL_HOTEL, ReplyBody.success(Map.of()));

        assertThat(trip).isEnded()
                .hasPassed(CANCEL_CAR, CANCEL_HOTEL, TRIP_COMPENSATED)
                .hasNotPassed(CANCEL_FLIGHT, TRIP_BOOKED);
        assertThat(recorder.commandNames()).hasSize(5).doesNotContain("flight.cancel");
        assertThat(processVariables()).containsEntry("rejectionReason", "no seats left on flights to XXX")
                .doesNotContainKey("flightBookingId");
    }

    @Test
    @DisplayName("the model is the reference saga's shape: process key, name, history time to live, tripId as business key, the step-rejected error and an interrupting compensation event subprocess")
    void modelHasTheSagaShape() throws Exception {
        BpmnModelInstance model = model();
        Process process = model.getModelElementById(PROCESS_KEY);

        assertThat(process).as("process " + PROCESS_KEY).isNotNull();
        assertThat(process.getName()).isEqualTo("Trip booking");
        assertThat(process.isExecutable()).isTrue();
        assertThat(process.getCamundaHistoryTimeToLiveString()).isEqualTo("P30D");
        assertThat(processProperties(process))
                .containsEntry(SagaModel.BUSINESS_KEY_VARIABLE_PROPERTY, "tripId");

        SubProcess compensate = model.getModelElementById(COMPENSATE_TRIP);
        assertThat(compensate.triggeredByEvent()).as("event subprocess").isTrue();
        StartEvent rejected = model.getModelElementById(STEP_REJECTED);
        assertThat(rejected.isInterrupting()).as("the rejection interrupts the forward flow").isTrue();
        assertThat(rejected.getEventDefinitions()).singleElement()
                .isInstanceOfSatisfying(ErrorEventDefinition.class, error -> {
                    assertThat(error.getError().getErrorCode()).isEqualTo(SagaModel.STEP_REJECTED_ERROR);
                    assertThat(error.getCamundaErrorCodeVariable()).isEqualTo("rejectedCode");
                    assertThat(error.getCamundaErrorMessageVariable()).isEqualTo("rejectionReason");
                });
        IntermediateThrowEvent throwCompensation = model.getModelElementById(COMPENSATE_COMPLETED_STEPS);
        assertThat(throwCompensation.getEventDefinitions()).singleElement()
                .isInstanceOfSatisfying(CompensateEventDefinition.class, definition ->
                        assertThat(definition.getActivity()).as("compensates every completed step").isNull());
        assertThat(model.<EndEvent>getModelElementById(TRIP_COMPENSATED).getParentElement()).isSameAs(compensate);
        assertThat(model.<EndEvent>getModelElementById(TRIP_BOOKED).getParentElement()).isSameAs(process);

        for (Map.Entry<String, String> stepAndHandler : HANDLER_OF.entrySet()) {
            ServiceTask step = model.getModelElementById(stepAndHandler.getKey());
            assertThat(compensationHandlersOf(model, step)).as("compensation handlers of " + step.getId())
                    .extracting(ServiceTask::getId).containsExactly(stepAndHandler.getValue());
        }
        assertThat(model.getModelElementsByType(ServiceTask.class)).extracting(ServiceTask::getId)
                .containsExactlyInAnyOrderElementsOf(COMMAND_OF.keySet());
        Map<String, String> commands = new LinkedHashMap<>();
        for (ServiceTask task : model.getModelElementsByType(ServiceTask.class)) {
            commands.put(task.getId(), inputParameters(task).get(SagaModel.INPUT_COMMAND));
        }
        assertThat(commands).containsExactlyInAnyOrderEntriesOf(COMMAND_OF);
        Map<String, String> results = new LinkedHashMap<>();
        for (String step : HANDLER_OF.keySet()) {
            results.put(step, inputParameters(model.getModelElementById(step)).get(SagaModel.INPUT_RESULT_VARIABLES));
        }
        assertThat(results).containsExactlyInAnyOrderEntriesOf(Map.of(RESERVE_CAR, "carReservationId",
                BOOK_HOTEL, "hotelBookingId", BOOK_FLIGHT, "flightBookingId"));
    }

    @Test
    @DisplayName("every service task applies the element template its role needs (step or compensation), at its version, and satisfies it: hidden bindings, required fields, patterns, no other input")
    void modelSatisfiesTheElementTemplates() throws Exception {
        Map<String, JsonNode> templates = new LinkedHashMap<>();
        try (var files = Files.list(TEMPLATES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                JsonNode template = objectMapper.readTree(file.toFile());
                templates.put(template.get("id").asText(), template);
            }
        }
        assertThat(templates).containsOnlyKeys(STEP_TEMPLATE, COMPENSATION_TEMPLATE);

        List<String> violations = new ArrayList<>();
        for (ServiceTask task : model().getModelElementsByType(ServiceTask.class)) {
            String expected = task.isForCompensation() ? COMPENSATION_TEMPLATE : STEP_TEMPLATE;
            String applied = task.getAttributeValueNs("http://camunda.org/schema/1.0/bpmn", "modelerTemplate");
            String version = task.getAttributeValueNs("http://camunda.org/schema/1.0/bpmn", "modelerTemplateVersion");
            if (!expected.equals(applied)) {
                violations.add(task.getId() + " applies template " + applied + ", not " + expected);
                continue;
            }
            JsonNode template = templates.get(expected);
            if (!template.get("version").asText().equals(version)) {
                violations.add(task.getId() + " applies version " + version + " of " + expected + ", which is at "
                        + template.get("version").asText());
            }
            violations.addAll(templateViolations(task, template));
        }
        assertThat(violations).as("element template violations in " + BPMN).isEmpty();
    }

    // --- the saga, driven the way the service drives it ---

    private void startTrip() {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("tripId", TRIP_ID);
        variables.put("customerId", "customer-3");
        variables.put("city", "Lisbon");
        variables.put("days", 4);
        variables.put("nights", 3);
        variables.put("from", "BER");
        variables.put("to", "LIS");
        variables.put("note", "not part of any payload");
        trip = runtimeService().startProcessInstanceByKey(PROCESS_KEY, TRIP_ID, variables);
        assertThat(trip).isStarted().isWaitingAt(RESERVE_CAR);
        assertThat(recorder.sent()).as("no asyncBefore: the first step's command is sent in the starting transaction")
                .hasSize(1);
    }

    /**
     * The command the step sent when the execution reached it: in the same transaction (the start,
     * or the previous step's reply), with no job in between, and it is still waiting for its reply.
     */
    private RecordingStepCommands.Sent runStep(String activityId) {
        assertThat(trip).isWaitingAt(activityId);
        assertThat(jobQuery().processInstanceId(trip.getId()).count()).as("jobs while %s waits", activityId).isZero();
        assertThat(recorder.sentBy(activityId)).as("commands sent by " + activityId).isNotEmpty();
        return recorder.waitingAt(activityId);
    }

    /**
     * The command the compensation handler sent when the rejection triggered the compensation: in
     * the transaction of the rejecting reply, without a job (see
     * {@code OrderFulfillmentProcessTests#compensationSent}: Camunda 7 does not honour asyncBefore
     * on compensation handlers).
     */
    private RecordingStepCommands.Sent compensationSent(String handlerId) {
        assertThat(jobQuery().processInstanceId(trip.getId()).count())
                .as("jobs after the compensation of %s started", handlerId).isZero();
        assertThat(recorder.sentBy(handlerId)).as("commands sent by " + handlerId).hasSize(1);
        return recorder.waitingAt(handlerId);
    }

    /**
     * What ReplyCorrelator does with a reply: check the execution still waits there, then signal it.
     * The clock then moves on, so the next step completes at a later time.
     */
    private void answer(String activityId, ReplyBody reply) {
        RecordingStepCommands.Sent command = recorder.waitingAt(activityId);
        String executionId = command.command().executionId();
        assertThat(runtimeService().createExecutionQuery().executionId(executionId).activityId(activityId).count())
                .as("execution %s of %s still waits for the reply to %s", executionId, activityId, command.commandId())
                .isEqualTo(1);
        recorder.answered(command.commandId());
        runtimeService().signal(executionId, reply.outcome().name(), reply, null);
        now = now.plus(Duration.ofMinutes(1));
        ClockUtil.setCurrentTime(Date.from(now));
    }

    private void assertAction(RecordingStepCommands.Sent sent, String step) {
        assertCommand(sent, step, Operation.ACTION, step);
    }

    private void assertCompensation(RecordingStepCommands.Sent sent, String handler, String compensatedStep) {
        assertCommand(sent, handler, Operation.COMPENSATION, compensatedStep);
    }

    private void assertCommand(RecordingStepCommands.Sent sent, String activityId, Operation op, String step) {
        StepCommand c = sent.command();
        String command = COMMAND_OF.get(activityId);
        assertThat(c.command()).as("command of " + activityId).isEqualTo(command);
        assertThat(c.activityId()).as("activityId of " + command).isEqualTo(activityId);
        assertThat(c.op()).as("op of " + command).isEqualTo(op);
        assertThat(c.step()).as("step of " + command).isEqualTo(step);
        assertThat(c.sagaId()).as("sagaId of " + command).isEqualTo(trip.getId());
        assertThat(c.businessKey()).as("businessKey of " + command).isEqualTo(TRIP_ID);
        assertThat(c.processKey()).as("processKey of " + command).isEqualTo(PROCESS_KEY);
        assertThat(c.executionId()).as("executionId of " + command).isNotBlank();
    }

    private Map<String, Object> payload(RecordingStepCommands.Sent sent) throws Exception {
        return objectMapper.readValue(sent.command().payload(), new TypeReference<LinkedHashMap<String, Object>>() {
        });
    }

    /** The process-scope variables of the trip (from history, so they can be read after the end). */
    private Map<String, Object> processVariables() {
        Map<String, Object> variables = new LinkedHashMap<>();
        for (HistoricVariableInstance variable : historyService().createHistoricVariableInstanceQuery()
                .processInstanceId(trip.getId()).list()) {
            if (trip.getId().equals(variable.getActivityInstanceId())) { // process scope, not an activity's input
                variables.put(variable.getName(), variable.getValue());
            }
        }
        return variables;
    }

    // --- the model and the element templates ---

    private static BpmnModelInstance model() throws IOException {
        try (InputStream bpmn = TripBookingProcessTests.class.getClassLoader().getResourceAsStream(BPMN)) {
            assertThat(bpmn).as(BPMN + " on the classpath").isNotNull();
            return Bpmn.readModelFromStream(bpmn);
        }
    }

    /**
     * What the Camunda Modeler would say about the task under the template: hidden values must be
     * exactly the template's, required fields filled, every value matching its pattern, and no
     * input parameter the template does not know (a typo such as {@code payloadVariable}).
     */
    private static List<String> templateViolations(ServiceTask task, JsonNode template) {
        List<String> violations = new ArrayList<>();
        Map<String, String> inputs = inputParameters(task);
        List<String> knownInputs = new ArrayList<>();
        for (JsonNode property : template.get("properties")) {
            JsonNode binding = property.get("binding");
            String name = binding.get("name").asText();
            switch (binding.get("type").asText()) {
                case "property" -> {
                    String actual = switch (name) {
                        case "camunda:delegateExpression" -> task.getCamundaDelegateExpression();
                        case "camunda:asyncBefore" -> String.valueOf(task.isCamundaAsyncBefore());
                        case "isForCompensation" -> String.valueOf(task.isForCompensation());
                        default -> throw new AssertionError("template binds unexpected property " + name);
                    };
                    if (!property.get("value").asText().equals(actual)) {
                        violations.add(task.getId() + ": " + name + " is " + actual + ", template says "
                                + property.get("value").asText());
                    }
                }
                case "camunda:inputParameter" -> {
                    knownInputs.add(name);
                    String value = inputs.get(name);
                    JsonNode constraints = property.path("constraints");
                    if (value == null || value.isEmpty()) {
                        if (constraints.path("notEmpty").asBoolean(false)) {
                            violations.add(task.getId() + ": required input '" + name + "' is missing");
                        }
                        continue;
                    }
                    JsonNode pattern = constraints.path("pattern");
                    String regex = pattern.isObject() ? pattern.path("value").asText()
                            : pattern.isTextual() ? pattern.asText() : null;
                    if (regex != null && !Pattern.compile(regex).matcher(value).find()) {
                        violations.add(task.getId() + ": input '" + name + "' = '" + value + "' does not match "
                                + regex);
                    }
                }
                default -> throw new AssertionError("unexpected binding " + binding);
            }
        }
        for (String input : inputs.keySet()) {
            if (!knownInputs.contains(input)) {
                violations.add(task.getId() + ": input '" + input + "' is not a field of " + template.get("id").asText());
            }
        }
        return violations;
    }

    private static Map<String, String> processProperties(Process process) {
        ExtensionElements extensions = process.getExtensionElements();
        if (extensions == null) {
            return Map.of();
        }
        return extensions.getElementsQuery().filterByType(CamundaProperties.class).list().stream()
                .flatMap(properties -> properties.getCamundaProperties().stream())
                .collect(Collectors.toMap(CamundaProperty::getCamundaName, CamundaProperty::getCamundaValue,
                        (first, second) -> first, LinkedHashMap::new));
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
