package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.sagaflow.testing.ApiSupport.Saga;
import io.sagaflow.contract.SagaHeaders;
import io.sagaflow.contract.Topology;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.task.Task;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.IntegrationTest;

/**
 * Waits that are not steps (docs/modelling.md): the saga {@code shape-trip-awaiting-approval}
 * (src/test/resources/shapes) reserves a car, waits for the bank's event {@code TransferConfirmed}
 * (raced by a timer), then for a person's approval (a user task, completed through engine-rest as
 * Tasklist does; with a deadline), then books the hotel. Events arrive with
 * {@code POST /api/sagas/{id}/events/{name}} and over AMQP, exactly once per event id. A deadline that
 * passes compensates: read in the participants' tables. Timers are fired by executing their job, as
 * the job executor would when they are due.
 */
@IntegrationTest
@DisplayName("Waits for events and people")
class SagaWaitsIntegrationTests {

    private static final String SHAPE = "shape-trip-awaiting-approval";
    private static final String EVENT = "TransferConfirmed";
    private static final String APPROVAL = "UserTask_ApproveTrip";

    private final ApiSupport api;
    private final JdbcTemplate jdbc;
    private final RuntimeService runtime;
    private final TaskService tasks;
    private final ManagementService management;
    private final RabbitTemplate rabbit;

    SagaWaitsIntegrationTests(ApiSupport api, JdbcTemplate jdbc, RuntimeService runtime, TaskService tasks,
                              ManagementService management, RabbitTemplate rabbit) {
        this.api = api;
        this.jdbc = jdbc;
        this.runtime = runtime;
        this.tasks = tasks;
        this.management = management;
        this.rabbit = rabbit;
    }

    @Test
    @DisplayName("the bank's event, then the approval: the saga books the hotel and completes; the event again moves nothing")
    void eventThenApprovalCompletes() {
        String sagaId = startAndAwaitTheTransfer();

        ResponseEntity<String> delivered = deliver(sagaId, EVENT, "bank-tx-" + sagaId, Map.of("transferId", "T-1"));
        assertThat(delivered.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(api.readJson(delivered.getBody()).path("duplicate").asBoolean()).isFalse();
        assertThat(runtime.getVariable(sagaId, "transferId")).isEqualTo("T-1");
        ResponseEntity<String> again = deliver(sagaId, EVENT, "bank-tx-" + sagaId, Map.of());
        assertThat(again.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(api.readJson(again.getBody()).path("duplicate").asBoolean()).isTrue();

        approve(sagaId);
        Saga saga = api.awaitFinished(sagaId);

        assertThat(saga.status()).isEqualTo("COMPLETED");
        assertThat(effects(sagaId)).isEqualTo(Map.of("car", List.of("RESERVED"), "hotel", List.of("BOOKED")));
        assertThat(tasks.createTaskQuery().processInstanceId(sagaId).count()).isZero();
    }

    @Test
    @DisplayName("no transfer before its deadline: the saga compensates the car")
    void transferDeadlineCompensates() {
        String sagaId = startAndAwaitTheTransfer();

        fireTimer(sagaId, "CatchEvent_TransferDeadline");
        Saga saga = api.awaitFinished(sagaId);

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(saga.compensatedSteps()).containsExactly("Task_ReserveCar");
        assertThat(effects(sagaId)).isEqualTo(Map.of("car", List.of("CANCELLED"), "hotel", List.of()));
        ResponseEntity<String> late = deliver(sagaId, EVENT, "late-" + sagaId, Map.of());
        ApiSupport.assertProblemAnswer(late, HttpStatus.CONFLICT);
        assertThat(late.getBody()).contains("has ended");
    }

    @Test
    @DisplayName("no approval before its deadline: the user task is gone and the saga compensates the car")
    void approvalDeadlineCompensates() {
        String sagaId = startAndAwaitTheTransfer();
        assertThat(deliver(sagaId, EVENT, "bank-" + sagaId, Map.of()).getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);

        fireTimer(sagaId, "BoundaryEvent_ApprovalDeadline");
        Saga saga = api.awaitFinished(sagaId);

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(effects(sagaId)).isEqualTo(Map.of("car", List.of("CANCELLED"), "hotel", List.of()));
        assertThat(tasks.createTaskQuery().processInstanceId(sagaId).count()).isZero();
    }

    @Test
    @DisplayName("an event the saga does not wait for yet, another name, no event id, an unknown saga, another client's saga: 409, 409, 400, 404, 404")
    void eventsTheSagaCannotTake() {
        Map<String, Object> trip = trip("car.reserve:delay=PT20S"); // the car's reply held back: no wait yet
        String sagaId = api.startSaga(SHAPE, trip).sagaId();

        ResponseEntity<String> early = deliver(sagaId, EVENT, "early-" + sagaId, Map.of());
        ApiSupport.assertProblemAnswer(early, HttpStatus.CONFLICT);
        assertThat(api.readJson(early.getBody()).at("/errors/0/field").asText()).isEqualTo("name");
        assertThat(early.getBody()).contains("is not waiting for event 'TransferConfirmed'");
        assertThat(eventRows(sagaId)).as("a refused event leaves no row").isZero();

        ApiSupport.assertProblemAnswer(deliver(sagaId, "SomethingElse", "other-" + sagaId, Map.of()), HttpStatus.CONFLICT);
        ResponseEntity<String> noId = api.postJson("/api/sagas/{id}/events/{name}", "{\"variables\":{}}", sagaId, EVENT);
        ApiSupport.assertProblemAnswer(noId, HttpStatus.BAD_REQUEST);
        assertThat(api.readJson(noId.getBody()).at("/errors/0/field").asText()).isEqualTo("eventId");
        ApiSupport.assertProblemAnswer(deliver("no-such-saga", EVENT, "x", Map.of()), HttpStatus.NOT_FOUND);
        ResponseEntity<String> otherClient = api.rest().withBasicAuth("test-client", "test-client-secret")
                .exchange("/api/sagas/{id}/events/{name}", HttpMethod.POST,
                        jsonEntity("{\"eventId\":\"other-client\"}"), String.class, sagaId, EVENT);
        ApiSupport.assertProblemAnswer(otherClient, HttpStatus.NOT_FOUND);

        assertThat(api.postJson("/api/sagas/{id}/abort", "{\"reason\":\"test over\"}", sagaId).getStatusCode())
                .isEqualTo(HttpStatus.ACCEPTED);
    }

    @Test
    @DisplayName("the same event delivered by 8 callers at the same moment moves the saga once: one 202, seven 200")
    void concurrentDeliveriesMoveTheSagaOnce() throws Exception {
        String sagaId = startAndAwaitTheTransfer();
        int callers = 8;
        CountDownLatch ready = new CountDownLatch(callers);
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            List<Future<ResponseEntity<String>>> answers = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                answers.add(pool.submit((Callable<ResponseEntity<String>>) () -> {
                    ready.countDown();
                    ready.await();
                    return deliver(sagaId, EVENT, "bank-race-" + sagaId, Map.of());
                }));
            }
            List<HttpStatus> statuses = new ArrayList<>();
            for (Future<ResponseEntity<String>> answer : answers) {
                statuses.add(HttpStatus.valueOf(answer.get().getStatusCode().value()));
            }
            assertThat(statuses).filteredOn(HttpStatus.ACCEPTED::equals).hasSize(1);
            assertThat(statuses).filteredOn(HttpStatus.OK::equals).hasSize(callers - 1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(eventRows(sagaId)).isEqualTo(1);
        assertThat(tasks.createTaskQuery().processInstanceId(sagaId).taskDefinitionKey(APPROVAL).count())
                .as("one approval task: the saga moved once").isEqualTo(1);
        approve(sagaId);
        assertThat(api.awaitFinished(sagaId).status()).isEqualTo("COMPLETED");
    }

    @Test
    @DisplayName("over AMQP: the event moves the saga, its redelivery moves nothing, an event the saga does not wait for is parked with the reason")
    void eventsOverAmqp() {
        String sagaId = startAndAwaitTheTransfer();
        String eventId = ApiSupport.fresh("bank-amqp");

        publish(sagaId, EVENT, eventId, "{\"transferId\":\"T-AMQP\"}");
        await("the approval task after the AMQP event").atMost(ApiSupport.SAGA_TIMEOUT)
                .until(() -> tasks.createTaskQuery().processInstanceId(sagaId).taskDefinitionKey(APPROVAL).count() == 1);
        assertThat(runtime.getVariable(sagaId, "transferId")).isEqualTo("T-AMQP");
        publish(sagaId, EVENT, eventId, "{}"); // the same event again (a redelivery, a producer's retry)
        String notAwaited = ApiSupport.fresh("bank-amqp-late");
        publish(sagaId, EVENT, notAwaited, "{}"); // the saga waits for its approval now, not for a transfer
        await("the event nobody waits for parked").atMost(ApiSupport.SAGA_TIMEOUT)
                .until(() -> api.parkedCopies(notAwaited) == 1);

        assertThat(jdbc.queryForObject("SELECT reason FROM sagaflow.parked_message WHERE message_id = ?", String.class,
                notAwaited)).contains("is not waiting for event 'TransferConfirmed'");
        assertThat(api.inboxRows("orchestrator-saga-events", eventId)).isEqualTo(1);
        assertThat(eventRows(sagaId)).isEqualTo(1);
        approve(sagaId);
        assertThat(api.awaitFinished(sagaId).status()).isEqualTo("COMPLETED");
        assertThat(effects(sagaId)).isEqualTo(Map.of("car", List.of("RESERVED"), "hotel", List.of("BOOKED")));
    }

    // --- the saga and its waits ---

    private static Map<String, Object> trip(String... simulate) {
        return ApiSupport.trip("LIS", simulate);
    }

    /** Starts the saga and waits until its car is reserved and it waits for the transfer. */
    private String startAndAwaitTheTransfer() {
        String sagaId = api.startSaga(SHAPE, trip()).sagaId();
        await("saga " + sagaId + " waits for " + EVENT).atMost(ApiSupport.SAGA_TIMEOUT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> runtime.createEventSubscriptionQuery().processInstanceId(sagaId).eventName(EVENT).count() == 1);
        return sagaId;
    }

    private ResponseEntity<String> deliver(String sagaId, String name, String eventId, Map<String, Object> variables) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("eventId", eventId);
        body.put("variables", variables);
        return api.postJson("/api/sagas/{id}/events/{name}", api.json(body), sagaId, name);
    }

    private static HttpEntity<String> jsonEntity(String json) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        return new HttpEntity<>(json, headers);
    }

    private void publish(String sagaId, String name, String eventId, String body) {
        MessageProperties properties = new MessageProperties();
        properties.setMessageId(eventId);
        properties.setType(name);
        properties.setHeader(SagaHeaders.SAGA_ID, sagaId);
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        rabbit.send(Topology.SAGA_EVENTS_EXCHANGE, name, new Message(body.getBytes(StandardCharsets.UTF_8), properties));
    }

    /** Completes the approval task through engine-rest, as Tasklist does. */
    private void approve(String sagaId) {
        Task task = await("the approval task of " + sagaId).atMost(ApiSupport.SAGA_TIMEOUT)
                .until(() -> tasks.createTaskQuery().processInstanceId(sagaId).taskDefinitionKey(APPROVAL).singleResult(),
                        Objects::nonNull);
        assertThat(tasks.getIdentityLinksForTask(task.getId()))
                .anyMatch(link -> "saga-operator".equals(link.getGroupId()));
        ResponseEntity<String> completed = api.postJson("/engine-rest/task/{id}/complete", "{}", task.getId());
        assertThat(completed.getStatusCode().is2xxSuccessful()).as("complete: %s", completed.getBody()).isTrue();
    }

    /** Fires the timer as the job executor does when it is due. */
    private void fireTimer(String sagaId, String activityId) {
        Job timer = await("the timer " + activityId).atMost(ApiSupport.SAGA_TIMEOUT)
                .until(() -> management.createJobQuery().processInstanceId(sagaId).activityId(activityId).timers()
                        .singleResult(), Objects::nonNull);
        management.executeJob(timer.getId());
    }

    private long eventRows(String sagaId) {
        Long rows = jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.saga_event WHERE saga_id = ?", Long.class, sagaId);
        return rows == null ? 0 : rows;
    }

    /** The bookings the saga's participants keep (the shape flies nowhere): car and hotel. */
    private Map<String, List<String>> effects(String sagaId) {
        Map<String, List<String>> effects = new LinkedHashMap<>(api.tripEffects(sagaId));
        effects.remove("flight");
        return effects;
    }
}
