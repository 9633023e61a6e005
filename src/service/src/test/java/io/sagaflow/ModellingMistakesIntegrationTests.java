package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.sagaflow.testing.ApiSupport.Saga;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.runtime.Incident;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputParameter;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperties;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.IntegrationTest;
import io.sagaflow.testing.SettableClock;

/**
 * The mistakes a modeller makes in a first saga, met at run time when the desk's checks were
 * bypassed (docs/modelling.md): a command name no participant listens to fails its step at once,
 * with an incident naming the exchange and routing key, and costs no deadline and no compensation.
 */
@IntegrationTest
@org.junit.jupiter.api.extension.ExtendWith(org.springframework.boot.test.system.OutputCaptureExtension.class)
@DisplayName("A modeller's mistakes at run time")
class ModellingMistakesIntegrationTests {

    /** trip-booking with the hotel's command misspelt: the broker has no queue for it. */
    private static final String UNROUTABLE = "mistake-trip-unroutable";
    /** trip-booking declaring its start variables. */
    private static final String DECLARED = "mistake-trip-declared";
    private static final String MISSPELT_COMMAND = "hotel.bokk";

    private final ApiSupport api;
    private final JdbcTemplate jdbc;
    private final RuntimeService runtime;
    private final RepositoryService repository;
    private final SettableClock clock;

    ModellingMistakesIntegrationTests(ApiSupport api, JdbcTemplate jdbc, RuntimeService runtime,
                                      RepositoryService repository, SettableClock clock) {
        this.api = api;
        this.jdbc = jdbc;
        this.runtime = runtime;
        this.repository = repository;
        this.clock = clock;
    }

    @BeforeEach
    void deployTheMistakes() throws Exception {
        try (InputStream original = new ClassPathResource("processes/trip-booking.bpmn").getInputStream()) {
            BpmnModelInstance model = Bpmn.readModelFromStream(original);
            model.getModelElementsByType(Process.class).iterator().next().setId(UNROUTABLE);
            model.getModelElementsByType(CamundaInputParameter.class).stream()
                    .filter(input -> "command".equals(input.getCamundaName()) && "hotel.book".equals(input.getTextContent()))
                    .forEach(input -> input.setTextContent(MISSPELT_COMMAND));
            repository.createDeployment().name(UNROUTABLE).enableDuplicateFiltering(true)
                    .addModelInstance(UNROUTABLE + ".bpmn", model).deploy();
        }
        try (InputStream original = new ClassPathResource("processes/trip-booking.bpmn").getInputStream()) {
            BpmnModelInstance model = Bpmn.readModelFromStream(original);
            Process process = model.getModelElementsByType(Process.class).iterator().next();
            process.setId(DECLARED);
            CamundaProperties properties = process.getExtensionElements().getElementsQuery()
                    .filterByType(CamundaProperties.class).singleResult();
            properties.getCamundaProperties().removeIf(property ->
                    "sagaflow.startVariables".equals(property.getCamundaName()));
            CamundaProperty declared = model.newInstance(CamundaProperty.class);
            declared.setCamundaName("sagaflow.startVariables");
            declared.setCamundaValue("tripId,customerId,city,days,nights,from,to,simulate?");
            properties.getCamundaProperties().add(declared);
            repository.createDeployment().name(DECLARED).enableDuplicateFiltering(true)
                    .addModelInstance(DECLARED + ".bpmn", model).deploy();
        }
    }

    @Test
    @DisplayName("a start without the saga's required start variables: 400 naming each, nothing started; the optional one may be missing")
    void missingStartVariablesAreNamed() {
        Map<String, Object> trip = new java.util.LinkedHashMap<>(ApiSupport.trip("LIS"));
        trip.remove("city");
        trip.remove("nights");

        ResponseEntity<String> refused = api.rest().postForEntity("/api/sagas/{key}", trip, String.class, DECLARED);

        api.assertProblem(refused, HttpStatus.BAD_REQUEST);
        com.fasterxml.jackson.databind.JsonNode problem = api.readJson(refused.getBody());
        assertThat(problem.path("detail").asText()).contains("city, nights");
        assertThat(problem.path("errors").findValuesAsText("field")).containsExactly("city", "nights");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.saga WHERE process_key = ? AND business_key = ?",
                Long.class, DECLARED, trip.get("tripId"))).isZero();

        Saga saga = api.awaitFinished(api.startSaga(DECLARED, ApiSupport.trip("LIS")).sagaId());
        assertThat(saga.status()).as("without the optional 'simulate'").isEqualTo("COMPLETED");
    }

    @Test
    @DisplayName("GET and search of a compensated saga say which step refused and why")
    void compensatedSagaSaysWhy() {
        Map<String, Object> trip = ApiSupport.trip("LIS", "hotel.book:business-failure");
        String sagaId = api.startSaga(DECLARED, trip).sagaId();
        api.awaitFinished(sagaId);

        com.fasterxml.jackson.databind.JsonNode saga = api.readJson(
                api.rest().getForEntity("/api/sagas/{id}", String.class, sagaId).getBody());
        assertThat(saga.path("status").asText()).isEqualTo("COMPENSATED");
        assertThat(saga.path("reasonStep").asText()).isEqualTo("Task_BookHotel");
        assertThat(saga.path("reason").asText()).isNotBlank();
        com.fasterxml.jackson.databind.JsonNode found = api.readJson(api.rest().getForEntity(
                "/api/sagas?processKey={key}&businessKey={key2}", String.class, DECLARED, trip.get("tripId")).getBody());
        assertThat(found.path("items").get(0).path("reasonStep").asText()).isEqualTo("Task_BookHotel");
        assertThat(found.path("items").get(0).path("reason").asText()).isEqualTo(saga.path("reason").asText());
    }

    @Test
    @DisplayName("a command no queue is bound for: its step is in an incident within seconds naming the routing key; no deadline fires; an abort compensates the other steps, not it")
    void unroutableCommandFailsFast(org.springframework.boot.test.system.CapturedOutput output) {
        String sagaId = api.startSaga(UNROUTABLE, ApiSupport.trip("LIS")).sagaId();

        Incident incident = await("an incident on the hotel step").atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> runtime.createIncidentQuery().processInstanceId(sagaId).list(), list -> !list.isEmpty())
                .get(0);
        assertThat(incident.getActivityId()).isEqualTo("Task_BookHotel");
        assertThat(incident.getIncidentMessage())
                .contains("no queue is bound to sagaflow.commands / " + MISSPELT_COMMAND)
                .doesNotContain("null");
        assertThat(stepStatuses(sagaId, "Task_BookHotel", "ACTION")).containsExactly("UNDELIVERED");
        assertThat(jdbc.queryForList("SELECT status || ': ' || last_error FROM sagaflow.outbox_message "
                + "WHERE ordering_key = ? AND routing_key = ?", String.class, sagaId, MISSPELT_COMMAND))
                .singleElement().asString()
                .startsWith("FAILED: no queue is bound to sagaflow.commands / " + MISSPELT_COMMAND)
                .doesNotContain("null");
        assertThat(api.saga(sagaId).status()).isEqualTo("FAILED");
        com.fasterxml.jackson.databind.JsonNode failed = api.readJson(
                api.rest().getForEntity("/api/sagas/{id}", String.class, sagaId).getBody());
        assertThat(failed.path("reasonStep").asText()).isEqualTo("Task_BookHotel");
        assertThat(failed.path("reason").asText()).contains("no queue is bound to sagaflow.commands / " + MISSPELT_COMMAND);
        // The log line an operator greps for carries the saga and its trace (README, tracing).
        String traceId = failed.path("traceId").asText();
        assertThat(traceId).isNotBlank();
        assertThat(output.getAll().lines().filter(line -> line.contains("was not delivered")))
                .anySatisfy(line -> assertThat(line).contains("saga=" + sagaId, "trace=" + traceId));

        // Its deadline (30 s) passes: nothing happens to a step that has no command in flight.
        clock.advance(Duration.ofMinutes(2));
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> stepStatuses(sagaId, "Task_BookHotel", "ACTION").equals(List.of("UNDELIVERED")));
        assertThat(runtime.createIncidentQuery().processInstanceId(sagaId).count()).isOne();

        ResponseEntity<String> aborted = api.postJson("/api/sagas/{id}/abort", "{\"reason\":\"fix the model\"}", sagaId);
        assertThat(aborted.getStatusCode()).as("abort: %s", aborted.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        Saga saga = api.awaitFinished(sagaId);

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(saga.compensatedSteps()).containsExactlyInAnyOrder("Task_BookFlight", "Task_ReserveCar");
        assertThat(stepStatuses(sagaId, "Task_BookHotel", "COMPENSATION")).as("no cancel for a hotel never asked").isEmpty();
        assertThat(api.tripEffects(sagaId)).isEqualTo(Map.of("car", List.of("CANCELLED"), "hotel", List.of(),
                "flight", List.of("CANCELLED")));
    }

    @Test
    @DisplayName("a participant's own read endpoint is open to API clients once listed in sagaflow.security.read-paths; others stay operator-only")
    void participantReadEndpointForClients() {
        var client = api.rest().withBasicAuth("test-client", "test-client-secret");

        assertThat(client.getForEntity("/api/participant-reads/accounts/A-1", String.class).getStatusCode())
                .as("listed: authorized (no such endpoint here, so 404)").isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(client.getForEntity("/api/unlisted-reads/accounts/A-1", String.class).getStatusCode())
                .isEqualTo(HttpStatus.FORBIDDEN);
    }

    private List<String> stepStatuses(String sagaId, String activityId, String op) {
        return jdbc.queryForList("SELECT status FROM sagaflow.saga_step WHERE saga_id = ? AND activity_id = ? AND op = ? "
                + "ORDER BY attempt", String.class, sagaId, activityId, op);
    }
}
