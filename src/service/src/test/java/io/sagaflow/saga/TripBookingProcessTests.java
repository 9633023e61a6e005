package io.sagaflow.saga;

import static io.sagaflow.saga.BpmnModels.compensationHandlersOf;
import static io.sagaflow.saga.BpmnModels.inputParameters;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.ReplyBody;
import org.camunda.bpm.engine.test.Deployment;
import org.camunda.bpm.engine.test.junit5.ProcessEngineExtension;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.CompensateEventDefinition;
import org.camunda.bpm.model.bpmn.instance.EndEvent;
import org.camunda.bpm.model.bpmn.instance.ErrorEventDefinition;
import org.camunda.bpm.model.bpmn.instance.ExtensionElements;
import org.camunda.bpm.model.bpmn.instance.IntermediateThrowEvent;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.StartEvent;
import org.camunda.bpm.model.bpmn.instance.SubProcess;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperties;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperty;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The trip-booking saga on a plain in-memory engine (no Spring, no broker, camunda.cfg.xml), the
 * same way as {@link OrderFulfillmentProcessTests}: one {@link SagaScenario} per path, in which the
 * test plays the car, hotel and flight participants.
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

    @RegisterExtension
    final SagaScenario saga = SagaScenario.of(engine, PROCESS_KEY, COMMAND_OF, HANDLER_OF)
            .movingCamundasClockOnAfterEachReply();

    private final ObjectMapper objectMapper = new ObjectMapper();

    @Test
    @DisplayName("when every participant succeeds, the trip reserves a car, then books hotel and flight at once, keeps the three booking ids and is booked without compensation")
    void allStepsSucceed() throws Exception {
        saga.givenStartedWith(TRIP_ID, trip());

        var car = saga.expectCommand(RESERVE_CAR)
                .reply(ReplyBody.success(Map.of("carReservationId", "CAR-1", "model", "compact")));
        var hotel = saga.expectCommand(BOOK_HOTEL);
        var flight = saga.expectCommand(BOOK_FLIGHT);
        assertThat(saga.instance()).as("hotel and flight are booked at the same time")
                .isWaitingAtExactly(BOOK_HOTEL, BOOK_FLIGHT);
        flight.reply(ReplyBody.success(Map.of("flightBookingId", "FLIGHT-3", "seat", "12A")));
        assertThat(saga.instance()).isNotEnded().isWaitingAt(BOOK_HOTEL).isNotWaitingAt(BOOK_FLIGHT);
        hotel.reply(ReplyBody.success(Map.of("hotelBookingId", "HOTEL-2")));

        assertThat(saga.instance()).isEnded()
                .hasPassedInOrder(RESERVE_CAR, BOOK_HOTEL, TRIP_BOOKED)
                .hasPassedInOrder(RESERVE_CAR, BOOK_FLIGHT, TRIP_BOOKED)
                .hasNotPassed(CANCEL_CAR, CANCEL_HOTEL, CANCEL_FLIGHT, STEP_REJECTED, COMPENSATE_COMPLETED_STEPS,
                        TRIP_COMPENSATED);
        assertThat(saga.commandNames()).containsExactly("car.reserve", "hotel.book", "flight.book");
        assertThat(car.payload()).containsExactly(entry("tripId", TRIP_ID), entry("customerId", "customer-3"),
                entry("city", "Lisbon"), entry("days", 4));
        assertThat(hotel.payload()).containsExactly(entry("tripId", TRIP_ID), entry("customerId", "customer-3"),
                entry("city", "Lisbon"), entry("nights", 3));
        assertThat(flight.payload()).containsExactly(entry("tripId", TRIP_ID), entry("customerId", "customer-3"),
                entry("from", "BER"), entry("to", "LIS"));

        // resultVariables: exactly the named result fields become process variables.
        assertThat(saga.processVariables())
                .containsEntry("carReservationId", "CAR-1")
                .containsEntry("hotelBookingId", "HOTEL-2")
                .containsEntry("flightBookingId", "FLIGHT-3")
                .doesNotContainKeys("model", "seat", "rejectedCode", "rejectionReason");
    }

    @Test
    @DisplayName("when the car is rejected, nothing is compensated: no cancel command is sent and the trip ends compensated with the reason")
    void rejectionAtReserveCar() {
        saga.givenStartedWith(TRIP_ID, trip());

        saga.expectCommand(RESERVE_CAR).reply(ReplyBody.businessFailure("no car available in Atlantis"));

        assertThat(saga.instance()).isEnded()
                .hasPassedInOrder(RESERVE_CAR, STEP_REJECTED, COMPENSATE_COMPLETED_STEPS, TRIP_COMPENSATED)
                .hasNotPassed(BOOK_HOTEL, BOOK_FLIGHT, CANCEL_CAR, CANCEL_HOTEL, CANCEL_FLIGHT, TRIP_BOOKED);
        assertThat(saga.commandNames()).as("no compensation command may be sent").containsExactly("car.reserve");
        assertThat(saga.processVariables())
                .containsEntry("rejectedCode", SagaModel.STEP_REJECTED_ERROR)
                .containsEntry("rejectionReason", "no car available in Atlantis")
                .doesNotContainKey("carReservationId");
    }

    @Test
    @DisplayName("when the hotel is rejected while the flight's command is in flight, the flight is cancelled and compensated before the car, and the trip ends compensated once both cancellations are answered")
    void rejectionAtBookHotelWhileTheFlightIsInFlight() throws Exception {
        saga.givenStartedWith(TRIP_ID, trip());
        saga.expectCommand(RESERVE_CAR).reply(ReplyBody.success(Map.of("carReservationId", "CAR-1")));
        var flight = saga.expectCommand(BOOK_FLIGHT);

        saga.expectCommand(BOOK_HOTEL).reply(ReplyBody.businessFailure("no hotel room available in Lisbon"));

        assertThat(saga.commands().cancelled()).as("the interrupted flight booking")
                .extracting(sent -> sent.command().command()).containsExactly("flight.book");
        assertThat(saga.instance()).isNotEnded().hasPassed(STEP_REJECTED).hasNotPassed(TRIP_COMPENSATED);
        var cancelFlight = saga.expectCompensation(CANCEL_FLIGHT);
        var cancelCar = saga.expectCompensation(CANCEL_CAR);
        assertThat(cancelFlight.payload()).containsExactly(entry("tripId", TRIP_ID));
        assertThat(saga.commandNames()).as("the interrupted step first, as the latest to end")
                .containsExactly("car.reserve", "hotel.book", "flight.book", "flight.cancel", "car.cancel");
        assertThat(saga.instance()).as("the compensations wait for their replies")
                .isWaitingAtExactly(COMPENSATE_TRIP, COMPENSATE_COMPLETED_STEPS, CANCEL_CAR, CANCEL_FLIGHT);

        cancelFlight.reply(ReplyBody.success(Map.of()));
        cancelCar.reply(ReplyBody.success(Map.of()));

        assertThat(saga.instance()).isEnded()
                .hasPassed(CANCEL_CAR, CANCEL_FLIGHT, TRIP_COMPENSATED)
                .hasNotPassed(CANCEL_HOTEL, TRIP_BOOKED);
        assertThat(flight.command().command()).isEqualTo("flight.book");
        assertThat(saga.processVariables())
                .containsEntry("rejectionReason", "no hotel room available in Lisbon")
                .containsEntry("carReservationId", "CAR-1")
                .doesNotContainKeys("hotelBookingId", "flightBookingId");
    }

    @Test
    @DisplayName("when the flight is rejected after the hotel was booked, hotel and car are cancelled (latest first, the flight never), and the trip ends compensated once both replies are in, whatever their order")
    void rejectionAtBookFlightAfterTheHotel() throws Exception {
        saga.givenStartedWith(TRIP_ID, trip());
        saga.expectCommand(RESERVE_CAR).reply(ReplyBody.success(Map.of("carReservationId", "CAR-1")));
        saga.expectCommand(BOOK_HOTEL).reply(ReplyBody.success(Map.of("hotelBookingId", "HOTEL-2")));

        saga.expectCommand(BOOK_FLIGHT).reply(ReplyBody.businessFailure("no seats left on flights to XXX"));

        assertThat(saga.commands().cancelled()).as("nothing was in flight").isEmpty();
        var cancelHotel = saga.expectCompensation(CANCEL_HOTEL);
        var cancelCar = saga.expectCompensation(CANCEL_CAR);
        assertThat(cancelHotel.payload()).containsExactly(entry("tripId", TRIP_ID));
        assertThat(cancelCar.payload()).containsExactly(entry("tripId", TRIP_ID));
        assertThat(saga.commandNames()).as("compensations are sent in reverse order of completion")
                .containsExactly("car.reserve", "hotel.book", "flight.book", "hotel.cancel", "car.cancel");
        assertThat(saga.instance()).as("both compensations wait for their replies")
                .isWaitingAtExactly(COMPENSATE_TRIP, COMPENSATE_COMPLETED_STEPS, CANCEL_CAR, CANCEL_HOTEL);

        // The two commands travel independently: the car's reply may well come first.
        cancelCar.reply(ReplyBody.success(Map.of()));
        assertThat(saga.instance()).as("still waiting for the hotel cancellation").isNotEnded()
                .isWaitingAtExactly(COMPENSATE_TRIP, COMPENSATE_COMPLETED_STEPS, CANCEL_HOTEL)
                .hasNotPassed(TRIP_COMPENSATED);
        cancelHotel.reply(ReplyBody.success(Map.of()));

        assertThat(saga.instance()).isEnded()
                .hasPassed(CANCEL_CAR, CANCEL_HOTEL, TRIP_COMPENSATED)
                .hasNotPassed(CANCEL_FLIGHT, TRIP_BOOKED);
        assertThat(saga.commandNames()).hasSize(5).doesNotContain("flight.cancel");
        assertThat(saga.processVariables()).containsEntry("rejectionReason", "no seats left on flights to XXX")
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
        assertThat(templates).containsKeys(STEP_TEMPLATE, COMPENSATION_TEMPLATE);

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

    // --- the saga's input ---

    /** The trip every scenario starts with: what the steps' payloads are made of, and a note they leave out. */
    private static Map<String, Object> trip() {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("tripId", TRIP_ID);
        variables.put("customerId", "customer-3");
        variables.put("city", "Lisbon");
        variables.put("days", 4);
        variables.put("nights", 3);
        variables.put("from", "BER");
        variables.put("to", "LIS");
        variables.put("note", "not part of any payload");
        return variables;
    }

    // --- the model and the element templates ---

    private static BpmnModelInstance model() throws IOException {
        return BpmnModels.read(BPMN);
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
}
