package io.sagaflow.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.runtimeService;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.sagaflow.contract.Operation;
import io.sagaflow.contract.ReplyBody;
import org.camunda.bpm.engine.test.Deployment;
import org.camunda.bpm.engine.test.junit5.ProcessEngineExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A multi-instance step ("a seat for each passenger") on the plain engine: every instance is a step of
 * its own, named {@code Task_BookSeat#<loopCounter>} in its command, so the participant's barrier keeps
 * them apart; a refused instance cancels the ones in flight, and the compensation of each completed or
 * cancelled instance names that instance.
 */
@Deployment(resources = "shapes/seats-parallel.bpmn")
class MultiInstanceStepsProcessTests {

    private static final String RESERVE_CAR = "Task_ReserveCar";
    private static final String BOOK_SEAT = "Task_BookSeat";
    private static final String CANCEL_SEAT = "Task_CancelSeat";
    private static final String CANCEL_CAR = "Task_CancelCar";

    @RegisterExtension
    static ProcessEngineExtension engine = ProcessEngineExtension.builder().build();

    @RegisterExtension
    final SagaScenario saga = SagaScenario.of(engine, "shape-seats-parallel",
            Map.of(RESERVE_CAR, "car.reserve", BOOK_SEAT, "flight.book", CANCEL_SEAT, "flight.cancel",
                    CANCEL_CAR, "car.cancel"),
            Map.of(RESERVE_CAR, CANCEL_CAR, BOOK_SEAT, CANCEL_SEAT))
            .movingCamundasClockOnAfterEachReply();

    @Test
    @DisplayName("each instance sends its own command, named by its loop counter; a refused instance cancels the one in flight, and each completed or cancelled seat is compensated by name, before the car")
    void refusedInstanceCompensatesItsSiblings() {
        saga.givenStartedWith("trip-9", trip(List.of("Ann", "", "Bob")));
        saga.expectCommand(RESERVE_CAR).reply(ReplyBody.success(Map.of()));

        List<RecordingStepCommands.Sent> seats = saga.commands().sentBy(BOOK_SEAT);
        assertThat(seats).extracting(sent -> sent.command().step())
                .containsExactly("Task_BookSeat#0", "Task_BookSeat#1", "Task_BookSeat#2");
        assertThat(seats).extracting(sent -> sent.command().op()).containsOnly(Operation.ACTION);
        reply(seats.get(0), ReplyBody.success(Map.of()));
        reply(seats.get(1), ReplyBody.businessFailure("a seat needs the passenger's name"));

        assertThat(saga.commands().cancelled()).extracting(sent -> sent.command().step())
                .containsExactly("Task_BookSeat#2");
        List<RecordingStepCommands.Sent> cancels = saga.commands().sentBy(CANCEL_SEAT);
        assertThat(cancels).extracting(sent -> sent.command().step())
                .containsExactlyInAnyOrder("Task_BookSeat#0", "Task_BookSeat#2");
        assertThat(cancels).extracting(sent -> sent.command().op()).containsOnly(Operation.COMPENSATION);
        cancels.forEach(cancel -> reply(cancel, ReplyBody.success(Map.of())));
        reply(saga.commands().sentBy(CANCEL_CAR).get(0), ReplyBody.success(Map.of()));

        assertThat(saga.instance()).isEnded().hasPassed("EndEvent_TripCompensated");
    }

    /** The model's collection expression: the variable as the REST API stores a JSON array, as text. */
    @org.junit.jupiter.api.BeforeEach
    void jsonForExpressions() {
        org.camunda.bpm.engine.test.mock.Mocks.register(SagaJson.BEAN,
                new SagaJson(new com.fasterxml.jackson.databind.ObjectMapper()));
    }

    /** What ReplyCorrelator does: signal the instance's execution. */
    private void reply(RecordingStepCommands.Sent sent, ReplyBody reply) {
        saga.commands().answered(sent.commandId(), reply.outcome());
        runtimeService().signal(sent.command().executionId(), reply.outcome().name(), reply, null);
    }

    private static Map<String, Object> trip(List<String> passengers) {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("customerId", "customer-9");
        variables.put("city", "Faro");
        variables.put("days", 2);
        variables.put("from", "BER");
        variables.put("to", "FAO");
        variables.put("passengers", passengers.stream().map(name -> "\"" + name + "\"")
                .collect(java.util.stream.Collectors.joining(",", "[", "]")));
        return variables;
    }
}
