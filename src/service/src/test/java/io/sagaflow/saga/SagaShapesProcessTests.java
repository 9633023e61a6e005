package io.sagaflow.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import io.sagaflow.contract.ReplyBody;
import org.camunda.bpm.engine.test.Deployment;
import org.camunda.bpm.engine.test.junit5.ProcessEngineExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Shapes beyond a straight line, on the plain engine: what a saga compensates when a refusal
 * cancels a part of the model in which steps completed or still wait for their reply
 * ({@link InterruptedSteps}). The participants' side of the same shapes, on the real broker and
 * database, is SagaShapesIntegrationTests.
 */
@Deployment(resources = SagaShapesProcessTests.NESTED)
class SagaShapesProcessTests {

    static final String NESTED = "shapes/trip-nested.bpmn";

    private static final String RESERVE_CAR = "Task_ReserveCar";
    private static final String BOOK_HOTEL = "Task_BookHotel";
    private static final String BOOK_FLIGHT = "Task_BookFlight";
    private static final String CANCEL_CAR = "Task_CancelCar";
    private static final String CANCEL_HOTEL = "Task_CancelHotel";
    private static final String CANCEL_FLIGHT = "Task_CancelFlight";

    @RegisterExtension
    static ProcessEngineExtension engine = ProcessEngineExtension.builder().build();

    @RegisterExtension
    final SagaScenario nested = SagaScenario.of(engine, "shape-trip-nested",
            Map.of(RESERVE_CAR, "car.reserve", BOOK_HOTEL, "hotel.book", BOOK_FLIGHT, "flight.book",
                    CANCEL_CAR, "car.cancel", CANCEL_HOTEL, "hotel.cancel", CANCEL_FLIGHT, "flight.cancel"),
            Map.of(RESERVE_CAR, CANCEL_CAR, BOOK_HOTEL, CANCEL_HOTEL, BOOK_FLIGHT, CANCEL_FLIGHT))
            .movingCamundasClockOnAfterEachReply();

    @Test
    @DisplayName("a step that completed inside a subprocess the refusal cancelled is compensated, before the step outside it")
    void completedStepInsideACancelledSubprocessIsCompensated() {
        nested.givenStartedWith("trip-1", trip());
        nested.expectCommand(RESERVE_CAR).reply(ReplyBody.success(Map.of("carReservationId", "CAR-1")));
        nested.expectCommand(BOOK_HOTEL).reply(ReplyBody.success(Map.of("hotelBookingId", "HOTEL-1")));

        nested.expectCommand(BOOK_FLIGHT).reply(ReplyBody.businessFailure("no seats left"));

        assertThat(nested.commands().cancelled()).isEmpty();
        var cancelHotel = nested.expectCompensation(CANCEL_HOTEL);
        var cancelCar = nested.expectCompensation(CANCEL_CAR);
        assertThat(nested.commandNames()).containsExactly("car.reserve", "hotel.book", "flight.book", "hotel.cancel",
                "car.cancel");
        cancelHotel.reply(ReplyBody.success(Map.of()));
        cancelCar.reply(ReplyBody.success(Map.of()));
        assertThat(nested.instance()).isEnded().hasPassed("EndEvent_TripCompensated").hasNotPassed(CANCEL_FLIGHT);
    }

    @Test
    @DisplayName("a step in flight inside a subprocess the refusal cancelled is cancelled and compensated, before the step outside it")
    void stepInFlightInsideACancelledSubprocessIsCompensated() {
        nested.givenStartedWith("trip-2", trip());
        nested.expectCommand(RESERVE_CAR).reply(ReplyBody.success(Map.of("carReservationId", "CAR-2")));
        nested.expectCommand(BOOK_FLIGHT);

        nested.expectCommand(BOOK_HOTEL).reply(ReplyBody.businessFailure("no room"));

        assertThat(nested.commands().cancelled()).extracting(sent -> sent.command().command())
                .containsExactly("flight.book");
        var cancelFlight = nested.expectCompensation(CANCEL_FLIGHT);
        var cancelCar = nested.expectCompensation(CANCEL_CAR);
        assertThat(nested.commandNames()).containsExactly("car.reserve", "hotel.book", "flight.book", "flight.cancel",
                "car.cancel");
        cancelCar.reply(ReplyBody.success(Map.of()));
        assertThat(nested.instance()).as("waits for every compensation").isNotEnded();
        cancelFlight.reply(ReplyBody.success(Map.of()));
        assertThat(nested.instance()).isEnded().hasPassed("EndEvent_TripCompensated").hasNotPassed(CANCEL_HOTEL);
    }

    @Test
    @DisplayName("when every step succeeds, nothing is compensated")
    void everyStepSucceeds() {
        nested.givenStartedWith("trip-3", trip());
        nested.expectCommand(RESERVE_CAR).reply(ReplyBody.success(Map.of()));
        nested.expectCommand(BOOK_FLIGHT).reply(ReplyBody.success(Map.of()));
        nested.expectCommand(BOOK_HOTEL).reply(ReplyBody.success(Map.of()));

        assertThat(nested.instance()).isEnded().hasPassed("EndEvent_TripBooked");
        assertThat(nested.commandNames()).containsExactly("car.reserve", "hotel.book", "flight.book");
    }

    private static Map<String, Object> trip() {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("customerId", "customer-7");
        variables.put("city", "Porto");
        variables.put("days", 2);
        variables.put("nights", 2);
        variables.put("from", "BER");
        variables.put("to", "OPO");
        return variables;
    }
}
