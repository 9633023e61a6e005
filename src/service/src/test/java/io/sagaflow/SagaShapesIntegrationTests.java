package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.sagaflow.testing.ApiSupport.Saga;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.http.HttpStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.IntegrationTest;
import io.sagaflow.testing.SettableClock;

/**
 * The shape × fault matrix (docs/modelling.md, shapes you can draw): every shape of the trip saga
 * Sagaflow supports, with a refusal before anything, while a sibling's command is in flight and after
 * a sibling completed, an abort and a deadline while commands are in flight, and no fault at all. The
 * verdict is read in the participants' own tables, not in Sagaflow's records: a COMPLETED trip keeps
 * its car, hotel and flight; a COMPENSATED one keeps none of them, late replies included.
 *
 * <p>Shapes: {@code trip-booking} (car, then hotel and flight in parallel) and
 * {@code shape-trip-nested} (the same, hotel and flight in an embedded subprocess, which the refusal
 * leaves: src/test/resources/shapes); multi-instance seats; a sub-saga ({@code shape-trip-then-pay});
 * and {@code shape-trip-plan-b}, whose plan A is an embedded subprocess that undoes itself when a step
 * of it is refused, after which plan B goes on.
 */
@IntegrationTest
@DisplayName("Saga shapes and faults")
class SagaShapesIntegrationTests {

    private static final String CAR = "Task_ReserveCar";
    private static final String HOTEL = "Task_BookHotel";
    private static final String FLIGHT = "Task_BookFlight";
    private static final String SUB_SAGA = "CallActivity_BookTrip";
    private static final String PLAN_B = "shape-trip-plan-b";
    /** Longer than a test runs: a held-back reply comes only when the clock is moved past it. */
    private static final String HOLD = "delay=PT20S";
    private static final Duration PAST_HOLD = Duration.ofSeconds(21);
    /** The trip's steps have deadlines of 30 s. */
    private static final Duration PAST_DEADLINE = Duration.ofSeconds(31);

    private final ApiSupport api;
    private final JdbcTemplate jdbc;
    private final SettableClock clock;

    SagaShapesIntegrationTests(ApiSupport api, JdbcTemplate jdbc, SettableClock clock) {
        this.api = api;
        this.jdbc = jdbc;
        this.clock = clock;
    }

    static Stream<Arguments> shapes() {
        return Stream.of("trip-booking", "shape-trip-nested").map(Arguments::of);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    @DisplayName("no fault: the trip completes and every participant keeps its booking")
    void noFault(String shape) {
        Saga saga = api.awaitFinished(start(shape, "LIS").sagaId());

        assertThat(saga.status()).isEqualTo("COMPLETED");
        assertThat(effects(saga.sagaId())).isEqualTo(Map.of("car", List.of("RESERVED"), "hotel", List.of("BOOKED"),
                "flight", List.of("BOOKED")));
        assertNothingOpen(saga.sagaId());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    @DisplayName("refused before anything: nothing is booked, nothing compensated")
    void refusedFirst(String shape) {
        Saga saga = api.awaitFinished(start(shape, "LIS", "car.reserve:business-failure").sagaId());

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertNothingKept(saga.sagaId());
        assertThat(saga.compensatedSteps()).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    @DisplayName("the flight refused while the hotel's command is in flight: the hotel is cancelled and compensated, its late reply changes nothing")
    void refusedWhileASiblingIsInFlight(String shape) {
        String sagaId = start(shape, "XXX", "hotel.book:" + HOLD).sagaId();
        Saga saga = api.awaitFinished(sagaId);

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(stepStatus(sagaId, HOTEL)).as("the interrupted step's record").isEqualTo("CANCELLED");
        assertThat(saga.compensatedSteps()).containsExactly(HOTEL, CAR);
        assertNothingKept(sagaId);
        releaseHeldReplies(sagaId);
        assertNothingKept(sagaId);
        assertNothingOpen(sagaId);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    @DisplayName("the hotel refused while the flight's command is in flight: the flight is cancelled and compensated")
    void otherSiblingRefusedWhileInFlight(String shape) {
        String sagaId = start(shape, "LIS", "hotel.book:business-failure", "flight.book:" + HOLD).sagaId();
        Saga saga = api.awaitFinished(sagaId);

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(stepStatus(sagaId, FLIGHT)).isEqualTo("CANCELLED");
        assertThat(saga.compensatedSteps()).containsExactly(FLIGHT, CAR);
        releaseHeldReplies(sagaId);
        assertNothingKept(sagaId);
        assertNothingOpen(sagaId);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    @DisplayName("the flight refused after the hotel completed: hotel and car are compensated, latest first")
    void refusedAfterASiblingCompleted(String shape) {
        String sagaId = start(shape, "XXX", "flight.book:" + HOLD).sagaId();
        await("the hotel booked").atMost(ApiSupport.SAGA_TIMEOUT).until(() -> "SUCCEEDED".equals(stepStatus(sagaId, HOTEL)));
        clock.advance(PAST_HOLD); // the flight's refusal comes now
        Saga saga = api.awaitFinished(sagaId);

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(saga.compensatedSteps()).containsExactly(HOTEL, CAR);
        assertNothingKept(sagaId);
        assertNothingOpen(sagaId);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    @DisplayName("aborted while hotel and flight are in flight: both are cancelled and compensated")
    void abortedWhileBranchesAreInFlight(String shape) {
        String sagaId = start(shape, "LIS", "hotel.book:" + HOLD, "flight.book:" + HOLD).sagaId();
        await("hotel and flight in flight").atMost(ApiSupport.SAGA_TIMEOUT)
                .until(() -> "WAITING".equals(stepStatus(sagaId, HOTEL)) && "WAITING".equals(stepStatus(sagaId, FLIGHT)));
        assertThat(api.postJson("/api/sagas/{id}/abort", "{\"reason\":\"customer called\"}", sagaId).getStatusCode())
                .isEqualTo(HttpStatus.ACCEPTED);
        Saga saga = api.awaitFinished(sagaId);

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(List.of(stepStatus(sagaId, HOTEL), stepStatus(sagaId, FLIGHT))).containsOnly("CANCELLED");
        assertThat(saga.compensatedSteps()).containsExactlyInAnyOrder(HOTEL, FLIGHT, CAR).endsWith(CAR);
        releaseHeldReplies(sagaId);
        assertNothingKept(sagaId);
        assertNothingOpen(sagaId);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    @DisplayName("the flight's deadline passes while the hotel's command is in flight too: both are compensated, late replies change nothing")
    void deadlineWhileBranchesAreInFlight(String shape) {
        String sagaId = start(shape, "LIS", "hotel.book:delay=PT40S", "flight.book:delay=PT45S").sagaId();
        await("hotel and flight in flight").atMost(ApiSupport.SAGA_TIMEOUT)
                .until(() -> "WAITING".equals(stepStatus(sagaId, HOTEL)) && "WAITING".equals(stepStatus(sagaId, FLIGHT)));
        clock.advance(PAST_DEADLINE);
        Saga saga = api.awaitFinished(sagaId);

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(List.of(stepStatus(sagaId, HOTEL), stepStatus(sagaId, FLIGHT))).containsOnly("TIMED_OUT", "CANCELLED")
                .contains("TIMED_OUT");
        assertThat(saga.compensatedSteps()).containsExactlyInAnyOrder(HOTEL, FLIGHT, CAR).endsWith(CAR);
        clock.advance(Duration.ofSeconds(15)); // the held replies come now, stale
        awaitRepliesConsumed(sagaId);
        assertNothingKept(sagaId);
        assertNothingOpen(sagaId);
    }

    // --- multi-instance steps: a car, then a seat for each passenger ---

    @org.junit.jupiter.api.Test
    @DisplayName("a multi-instance step books one seat per passenger, each a step of its own")
    void multiInstanceStepCompletes() {
        String sagaId = startSeats("shape-seats-parallel", List.of("Ann", "Eve", "Bob")).sagaId();
        Saga saga = api.awaitFinished(sagaId);

        assertThat(saga.status()).isEqualTo("COMPLETED");
        assertThat(jdbc.queryForList("SELECT step FROM flight.booking WHERE saga_id = ? AND status = 'BOOKED'",
                String.class, sagaId)).containsExactlyInAnyOrder("Task_BookSeat#0", "Task_BookSeat#1", "Task_BookSeat#2");
        assertNothingOpen(sagaId);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("seatShapes")
    @DisplayName("a refused instance of a multi-instance step: every seat booked or in flight is compensated, and the car")
    void multiInstanceStepRefused(String shape) {
        String sagaId = startSeats(shape, List.of("Ann", "", "Bob")).sagaId();
        Saga saga = api.awaitFinished(sagaId);

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(saga.compensatedSteps()).contains(CAR).endsWith(CAR);
        assertNothingKept(sagaId);
        assertNothingOpen(sagaId);
        if (shape.endsWith("sequential")) {
            assertThat(jdbc.queryForList("SELECT step FROM flight.booking WHERE saga_id = ?", String.class, sagaId))
                    .as("one after the other: Bob's seat was never asked for").containsExactly("Task_BookSeat#0");
        }
    }

    static Stream<Arguments> seatShapes() {
        return Stream.of("shape-seats-parallel", "shape-seats-sequential").map(Arguments::of);
    }

    private ApiSupport.StartedSaga startSeats(String shape, List<String> passengers) {
        Map<String, Object> trip = new LinkedHashMap<>();
        trip.put("tripId", ApiSupport.fresh("trip"));
        trip.put("customerId", ApiSupport.fresh("traveller"));
        trip.put("city", "Faro");
        trip.put("days", 2);
        trip.put("from", "BER");
        trip.put("to", "FAO");
        trip.put("passengers", passengers);
        return api.startSaga(shape, trip);
    }

    // --- sub-sagas: shape-trip-then-pay calls trip-booking, then charges the payment ---

    @org.junit.jupiter.api.Test
    @DisplayName("a sub-saga that completed is compensated in full when its parent compensates; it is found by the parent's business key and linked both ways")
    void subSagaCompensatedWithItsParent() {
        String orderId = ApiSupport.fresh("order");
        String parentId = startTripThenPay(orderId, "20000.00", "LIS").sagaId(); // the card declines 20,000
        Saga parent = api.awaitFinished(parentId);

        assertThat(parent.status()).isEqualTo("COMPENSATED");
        JsonNode parentView = view(parentId);
        assertThat(parentView.path("subSagas")).hasSize(1);
        String childId = parentView.path("subSagas").get(0).asText();
        assertThat(view(childId).path("parentSagaId").asText()).isEqualTo(parentId);
        assertThat(api.awaitFinished(childId).status()).isEqualTo("COMPENSATED");
        assertThat(parent.completedSteps()).containsExactly(SUB_SAGA);
        assertThat(parent.compensatedSteps()).containsExactly(SUB_SAGA);
        assertThat(api.saga(childId).compensatedSteps()).containsExactlyInAnyOrder(HOTEL, FLIGHT, CAR).endsWith(CAR);
        assertThat(sagasWithBusinessKey(orderId)).containsExactlyInAnyOrder(parentId, childId);
        assertNothingKept(childId);
        assertThat(charges(parentId)).isEmpty();
        assertNothingOpen(parentId);
        assertNothingOpen(childId);
    }

    @org.junit.jupiter.api.Test
    @DisplayName("a sub-saga refused on its own compensates itself, and its parent's step is refused: the parent compensates without it")
    void subSagaRefusedOnItsOwn() {
        String parentId = startTripThenPay(ApiSupport.fresh("order"), "50.00", "XXX").sagaId();
        Saga parent = api.awaitFinished(parentId);

        assertThat(parent.status()).isEqualTo("COMPENSATED");
        assertThat(parent.completedSteps()).isEmpty();
        String childId = view(parentId).path("subSagas").get(0).asText();
        assertThat(api.awaitFinished(childId).status()).isEqualTo("COMPENSATED");
        assertNothingKept(childId);
        assertThat(charges(parentId)).isEmpty();
        assertNothingOpen(childId);
    }

    @org.junit.jupiter.api.Test
    @DisplayName("a sub-saga completes with its parent and keeps its bookings")
    void subSagaCompletesWithItsParent() {
        String parentId = startTripThenPay(ApiSupport.fresh("order"), "50.00", "LIS").sagaId();
        Saga parent = api.awaitFinished(parentId);

        assertThat(parent.status()).isEqualTo("COMPLETED");
        assertThat(parent.completedSteps()).containsExactly(SUB_SAGA, "Task_ChargePayment");
        String childId = view(parentId).path("subSagas").get(0).asText();
        assertThat(api.awaitFinished(childId).status()).isEqualTo("COMPLETED");
        assertThat(effects(childId)).isEqualTo(Map.of("car", List.of("RESERVED"), "hotel", List.of("BOOKED"),
                "flight", List.of("BOOKED")));
        assertThat(charges(parentId)).containsExactly("CHARGED");
        assertNothingOpen(childId);
    }

    @org.junit.jupiter.api.Test
    @DisplayName("a parent aborted while its sub-saga runs aborts the sub-saga, which compensates what it did")
    void parentAbortedWhileItsSubSagaRuns() {
        String parentId = startTripThenPay(ApiSupport.fresh("order"), "50.00", "LIS", "hotel.book:" + HOLD).sagaId();
        String childId = await("the sub-saga waits for its hotel").atMost(ApiSupport.SAGA_TIMEOUT).until(() -> {
            JsonNode children = view(parentId).path("subSagas");
            return children.size() == 1 && "WAITING".equals(stepStatus(children.get(0).asText(), HOTEL))
                    ? children.get(0).asText() : null;
        }, java.util.Objects::nonNull);

        assertThat(api.postJson("/api/sagas/{id}/abort", "{\"reason\":\"customer called\"}", parentId).getStatusCode())
                .isEqualTo(HttpStatus.ACCEPTED);
        Saga parent = api.awaitFinished(parentId);

        assertThat(parent.status()).isEqualTo("COMPENSATED");
        assertThat(api.awaitFinished(childId).status()).isEqualTo("COMPENSATED");
        releaseHeldReplies(childId);
        assertNothingKept(childId);
        assertNothingOpen(parentId);
        assertNothingOpen(childId);
    }

    // --- shape-trip-plan-b: plan A (flight, then hotel) in a subprocess that undoes itself; plan B the car ---

    @org.junit.jupiter.api.Test
    @DisplayName("plan A books: the trip completes with flight and hotel, no car")
    void planABooks() {
        Saga saga = api.awaitFinished(start(PLAN_B, "LIS").sagaId());

        assertThat(saga.status()).isEqualTo("COMPLETED");
        assertThat(effects(saga.sagaId())).isEqualTo(Map.of("car", List.of(), "hotel", List.of("BOOKED"),
                "flight", List.of("BOOKED")));
        assertThat(saga.compensatedSteps()).isEmpty();
    }

    @org.junit.jupiter.api.Test
    @DisplayName("plan A's hotel refused: plan A's flight is cancelled, plan B reserves the car, the trip completes")
    void planAUndoneThenPlanB() {
        Saga saga = api.awaitFinished(start(PLAN_B, "LIS", "hotel.book:business-failure").sagaId());

        assertThat(saga.status()).as("a saga that undid plan A and went on").isEqualTo("COMPLETED");
        assertThat(effects(saga.sagaId())).isEqualTo(Map.of("car", List.of("RESERVED"), "hotel", List.of(),
                "flight", List.of("CANCELLED")));
        assertThat(saga.completedSteps()).containsExactly(FLIGHT, CAR);
        assertThat(saga.compensatedSteps()).containsExactly(FLIGHT);
        assertNothingOpen(saga.sagaId());
    }

    @org.junit.jupiter.api.Test
    @DisplayName("plan A's hotel refused, then plan B's car refused: the saga compensates, plan A's flight cancelled once")
    void planBRefusedToo() {
        Saga saga = api.awaitFinished(start(PLAN_B, "LIS", "hotel.book:business-failure",
                "car.reserve:business-failure").sagaId());

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertNothingKept(saga.sagaId());
        assertThat(saga.compensatedSteps()).containsExactly(FLIGHT);
        assertNothingOpen(saga.sagaId());
    }

    @org.junit.jupiter.api.Test
    @DisplayName("aborted while plan A's hotel is in flight: the hotel is cancelled and compensated with the flight, no plan B")
    void abortedDuringPlanA() {
        String sagaId = start(PLAN_B, "LIS", "hotel.book:" + HOLD).sagaId();
        await("the hotel's command in flight").atMost(ApiSupport.SAGA_TIMEOUT)
                .until(() -> "WAITING".equals(stepStatus(sagaId, HOTEL)));

        assertThat(api.postJson("/api/sagas/{id}/abort", "{\"reason\":\"customer called\"}", sagaId).getStatusCode())
                .isEqualTo(HttpStatus.ACCEPTED);
        Saga saga = api.awaitFinished(sagaId);

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(saga.compensatedSteps()).containsExactlyInAnyOrder(HOTEL, FLIGHT);
        releaseHeldReplies(sagaId);
        assertNothingKept(sagaId);
        assertThat(effects(sagaId).get("car")).as("an abort is no refusal: no plan B").isEmpty();
        assertNothingOpen(sagaId);
    }

    private ApiSupport.StartedSaga startTripThenPay(String orderId, String amount, String destination,
                                                    String... simulate) {
        Map<String, Object> order = new LinkedHashMap<>();
        order.put("orderId", orderId);
        order.put("tripId", ApiSupport.fresh("trip"));
        order.put("customerId", ApiSupport.fresh("traveller"));
        order.put("amount", Double.parseDouble(amount));
        order.put("city", "Lisbon");
        order.put("days", 3);
        order.put("nights", 2);
        order.put("from", "BER");
        order.put("to", destination);
        if (simulate.length > 0) {
            order.put("simulate", List.of(simulate));
        }
        return api.startSaga("shape-trip-then-pay", order);
    }

    private JsonNode view(String sagaId) {
        return api.rest().getForObject("/api/sagas/{id}", JsonNode.class, sagaId);
    }

    private List<String> sagasWithBusinessKey(String businessKey) {
        List<String> ids = new ArrayList<>();
        api.rest().getForObject("/api/sagas?businessKey={key}", JsonNode.class, businessKey).path("items")
                .forEach(item -> ids.add(item.path("sagaId").asText()));
        return ids;
    }

    private List<String> charges(String sagaId) {
        return jdbc.queryForList("SELECT status FROM payment.charge WHERE saga_id = ?", String.class, sagaId);
    }

    // --- the saga ---

    private ApiSupport.StartedSaga start(String shape, String destination, String... simulate) {
        return api.startSaga(shape, ApiSupport.trip(destination, simulate));
    }

    /** The step's forward command's status; the last attempt's if there were several. */
    private String stepStatus(String sagaId, String step) {
        List<String> statuses = jdbc.queryForList("SELECT status FROM sagaflow.saga_step WHERE saga_id = ? AND step = ? "
                + "AND op = 'ACTION' ORDER BY attempt", String.class, sagaId, step);
        return statuses.isEmpty() ? null : statuses.get(statuses.size() - 1);
    }

    /** Moves the clock past the held replies and waits until the orchestrator has read them. */
    private void releaseHeldReplies(String sagaId) {
        clock.advance(PAST_HOLD);
        awaitRepliesConsumed(sagaId);
    }

    private void awaitRepliesConsumed(String sagaId) {
        await("every reply of " + sagaId + " published and read").atMost(ApiSupport.SAGA_TIMEOUT)
                .pollInterval(Duration.ofMillis(200)).until(() -> jdbc.queryForObject("""
                        SELECT COUNT(*) FROM sagaflow.saga_step s
                        WHERE s.saga_id = ? AND s.replies_received < (SELECT COUNT(*) FROM sagaflow.outbox_message o
                                                                      WHERE o.correlation_id = s.command_id
                                                                      AND o.message_type LIKE '%.reply')""",
                        Long.class, sagaId) == 0);
    }

    // --- the participants' own records ---

    /** The bookings the trip's participants keep for the saga, by participant: their statuses. */
    private Map<String, List<String>> effects(String sagaId) {
        return api.tripEffects(sagaId);
    }

    /** A compensated trip: no participant keeps a reservation or a booking (a cancelled one is fine). */
    private void assertNothingKept(String sagaId) {
        List<String> kept = new ArrayList<>();
        effects(sagaId).forEach((participant, statuses) -> statuses.stream()
                .filter(status -> !"CANCELLED".equals(status)).forEach(status -> kept.add(participant + " " + status)));
        assertThat(kept).as("effects kept by the participants of compensated saga %s", sagaId).isEmpty();
    }

    /** Every command of the saga was answered or stopped: none waits, none is queued. */
    private void assertNothingOpen(String sagaId) {
        assertThat(jdbc.queryForList("SELECT step || ' ' || op || ' ' || status FROM sagaflow.saga_step WHERE saga_id = ? "
                + "AND status IN ('WAITING', 'OVERDUE', 'QUEUED')", String.class, sagaId)).isEmpty();
    }
}
