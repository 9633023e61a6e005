package io.sagaflow.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.IntegrationTest;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.task.Task;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A saga's input is one document in its registry row ({@link SagaInputs}), not one Camunda variable
 * per field. The saga {@code shape-trip-awaiting-approval} reserves a car, waits for an event and an
 * approval, then books the hotel with {@code tripId,customerId,city,nights}: that payload is built in
 * a later transaction, after this instance forgot the inputs it kept, so it is read from the row.
 */
@IntegrationTest
@DisplayName("A saga's input as one document")
class SagaInputsIntegrationTests {

    private static final String SHAPE = "shape-trip-awaiting-approval";
    private static final String EVENT = "TransferConfirmed";

    private final ApiSupport api;
    private final JdbcTemplate jdbc;
    private final RuntimeService runtime;
    private final TaskService tasks;
    private final SagaInputs inputs;

    SagaInputsIntegrationTests(ApiSupport api, JdbcTemplate jdbc, RuntimeService runtime, TaskService tasks,
                               SagaInputs inputs) {
        this.api = api;
        this.jdbc = jdbc;
        this.runtime = runtime;
        this.tasks = tasks;
        this.inputs = inputs;
    }

    @Test
    @DisplayName("no input variables in Camunda; a later step's payload and command context come from the registry row")
    void laterStepsReadTheInputFromTheRegistryRow() {
        Map<String, Object> trip = ApiSupport.trip("LIS", "flight.book:technical-failure");
        String sagaId = startAndAwaitTheApproval(trip);

        assertThat(runtime.getVariables(sagaId)).as("Camunda holds no input variable")
                .doesNotContainKeys("tripId", "customerId", "city", "nights", "simulate", SagaInputs.TRANSIENT_VARIABLE);
        JsonNode stored = api.readJson(jdbc.queryForObject("SELECT input FROM sagaflow.saga WHERE saga_id = ?",
                String.class, sagaId));
        assertThat(stored.path("customerId").asText()).isEqualTo(trip.get("customerId"));
        assertThat(stored.path("nights").asInt()).isEqualTo(2);
        assertThat(stored.path("simulate").asText()).as("a list is kept as JSON text, as it was as a variable")
                .isEqualTo("[\"flight.book:technical-failure\"]");

        inputs.forgetAll(); // as if another instance, or this one restarted, handles the rest
        approve(sagaId);

        assertThat(api.awaitFinished(sagaId).status()).isEqualTo("COMPLETED");
        JsonNode hotel = api.readJson(payloadOf(sagaId, "hotel.book"));
        assertThat(hotel.path("customerId").asText()).isEqualTo(trip.get("customerId"));
        assertThat(hotel.path("city").asText()).isEqualTo("Lisbon");
        assertThat(hotel.path("nights").asInt()).isEqualTo(2);
        assertThat(headersOf(sagaId, "hotel.book")).as("the command context, read from the row")
                .contains("\"sagaflow-context-simulate\":\"[\\\"flight.book:technical-failure\\\"]\"");
    }

    @Test
    @DisplayName("a variable of an input's name comes first: an operator's correction reaches the next step's payload")
    void aVariableOverridesTheInput() {
        String sagaId = startAndAwaitTheApproval(ApiSupport.trip("LIS"));

        runtime.setVariable(sagaId, "city", "Porto");
        inputs.forgetAll();
        approve(sagaId);

        assertThat(api.awaitFinished(sagaId).status()).isEqualTo("COMPLETED");
        assertThat(api.readJson(payloadOf(sagaId, "hotel.book")).path("city").asText()).isEqualTo("Porto");
        assertThat(api.readJson(jdbc.queryForObject("SELECT input FROM sagaflow.saga WHERE saga_id = ?", String.class,
                sagaId)).path("city").asText()).as("the input itself is what the saga was started with").isEqualTo("Lisbon");
    }

    @Test
    @DisplayName("GET /api/sagas/{id}/messages (Cockpit's Saga messages tab) shows the input")
    void theMessagesShowTheInput() {
        Map<String, Object> trip = ApiSupport.trip("LIS");
        String sagaId = startAndAwaitTheApproval(trip);
        inputs.forgetAll();

        JsonNode messages = api.readJson(api.rest().getForObject("/api/sagas/{id}/messages", String.class, sagaId));

        assertThat(messages.path("input").path("tripId").asText()).isEqualTo(trip.get("tripId"));
        assertThat(messages.path("input").path("days").asInt()).isEqualTo(3);
        approve(sagaId);
        api.awaitFinished(sagaId);
    }

    /** Starts the saga, delivers its event and waits until it waits for the approval. */
    private String startAndAwaitTheApproval(Map<String, Object> trip) {
        String sagaId = api.startSaga(SHAPE, trip).sagaId();
        await("saga " + sagaId + " waits for " + EVENT).atMost(ApiSupport.SAGA_TIMEOUT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> runtime.createEventSubscriptionQuery().processInstanceId(sagaId).eventName(EVENT).count() == 1);
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("eventId", ApiSupport.fresh("bank"));
        event.put("variables", Map.of());
        assertThat(api.postJson("/api/sagas/{id}/events/{name}", api.json(event), sagaId, EVENT).getStatusCode()
                .is2xxSuccessful()).isTrue();
        await("the approval task of " + sagaId).atMost(ApiSupport.SAGA_TIMEOUT)
                .until(() -> tasks.createTaskQuery().processInstanceId(sagaId).singleResult(), Objects::nonNull);
        return sagaId;
    }

    private void approve(String sagaId) {
        Task task = tasks.createTaskQuery().processInstanceId(sagaId).singleResult();
        assertThat(api.postJson("/engine-rest/task/{id}/complete", "{}", task.getId()).getStatusCode()
                .is2xxSuccessful()).isTrue();
    }

    private String payloadOf(String sagaId, String command) {
        List<String> payloads = jdbc.queryForList("SELECT payload FROM sagaflow.saga_step WHERE saga_id = ? AND command = ?",
                String.class, sagaId, command);
        assertThat(payloads).hasSize(1);
        return payloads.get(0);
    }

    private String headersOf(String sagaId, String command) {
        return jdbc.queryForObject("SELECT o.headers FROM sagaflow.outbox_message o JOIN sagaflow.saga_step s "
                + "ON s.command_id = o.message_id WHERE s.saga_id = ? AND s.command = ?", String.class, sagaId, command);
    }
}
