package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputParameter;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.IntegrationTest;

/**
 * A new version of a saga deployed while sagas of the old one wait on participants: the old ones
 * finish on the version they started on (their replies correlate, their deadlines and compensation
 * payloads are the old version's), new starts run on the new one, and the API and the dashboard
 * tell them apart. Version 2 of the trip differs in what a saga can observe: every deadline is 45 s
 * instead of 30 s, and the car's cancellation also sends the customer id.
 */
@IntegrationTest
@DisplayName("Saga versions side by side")
class SagaVersionsIntegrationTests {

    private final ApiSupport api;
    private final RepositoryService repository;
    private final JdbcTemplate jdbc;

    SagaVersionsIntegrationTests(ApiSupport api, RepositoryService repository, JdbcTemplate jdbc) {
        this.api = api;
        this.repository = repository;
        this.jdbc = jdbc;
    }

    @Test
    @DisplayName("sagas of version 1 finish on version 1 after version 2 is deployed; new sagas start on version 2")
    void oldSagasFinishOnTheirVersion() throws IOException {
        String processKey = "versions-trip-" + UUID.randomUUID().toString().substring(0, 8);
        deploy(processKey, false);
        // Both wait 5 s for their car while version 2 is deployed; the second is refused its flight.
        String completing = api.startSaga(processKey, ApiSupport.trip("LIS", "car.reserve:delay=PT5S")).sagaId();
        String compensating = api.startSaga(processKey, ApiSupport.trip("XXX", "car.reserve:delay=PT5S")).sagaId();

        Instant secondDeployed = Instant.now();
        deploy(processKey, true);
        String onVersion2 = api.startSaga(processKey, ApiSupport.trip("XXX")).sagaId();

        JsonNode running = api.rest().getForObject("/api/sagas/versions?processKey={key}", JsonNode.class, processKey);
        assertThat(countOn(running, 1)).as("version 1 sagas still waiting for their car in %s", running)
                .isEqualTo(2);
        assertThat(api.saga(completing).status()).as("still waiting for the car").isEqualTo("RUNNING");

        assertThat(api.awaitFinished(completing).status()).isEqualTo("COMPLETED");
        assertThat(api.awaitFinished(compensating).status()).isEqualTo("COMPENSATED");
        assertThat(api.awaitFinished(onVersion2).status()).isEqualTo("COMPENSATED");

        assertThat(version(completing)).isEqualTo(1);
        assertThat(version(compensating)).isEqualTo(1);
        assertThat(version(onVersion2)).isEqualTo(2);
        // Steps sent after version 2 was deployed still take version 1's deadline.
        assertThat(jdbc.queryForObject("SELECT sent_at FROM sagaflow.saga_step WHERE saga_id = ? "
                + "AND command = 'hotel.book'", java.sql.Timestamp.class, completing).toInstant())
                .isAfter(secondDeployed);
        assertThat(deadlineOf(completing, "hotel.book")).isEqualTo(30);
        assertThat(deadlineOf(onVersion2, "hotel.book")).isEqualTo(45);
        // Compensations are the version's own.
        assertThat(api.readJson(payloadOf(compensating, "car.cancel")).has("customerId")).isFalse();
        assertThat(api.readJson(payloadOf(onVersion2, "car.cancel")).has("customerId")).isTrue();
        assertThat(api.tripEffects(compensating).get("car")).containsExactly("CANCELLED");

        assertThat(searchVersion(processKey, 1)).containsExactlyInAnyOrder(completing, compensating);
        assertThat(searchVersion(processKey, 2)).containsExactly(onVersion2);
        assertThat(api.rest().getForObject("/api/sagas/{id}/messages", JsonNode.class, completing)
                .path("processDefinitionVersion").asInt()).isEqualTo(1);
        assertThat(api.rest().getForObject("/api/sagas/versions?processKey={key}", JsonNode.class, processKey))
                .as("nothing runs any more").isEmpty();
    }

    @Test
    @DisplayName("a version filter without a process key is refused with 400 naming the field")
    void versionWithoutProcessKeyIsRefused() {
        org.springframework.http.ResponseEntity<JsonNode> refused = api.rest().getForEntity(
                "/api/sagas?processDefinitionVersion=1", JsonNode.class);

        assertThat(refused.getStatusCode().value()).isEqualTo(400);
        assertThat(refused.getBody().path("errors").findValuesAsText("field")).containsExactly("processDefinitionVersion");
    }

    private void deploy(String processKey, boolean version2) throws IOException {
        BpmnModelInstance model;
        try (InputStream trip = new ClassPathResource("processes/trip-booking.bpmn").getInputStream()) {
            model = Bpmn.readModelFromStream(trip);
        }
        model.getModelElementsByType(Process.class).iterator().next().setId(processKey);
        if (version2) {
            for (CamundaInputParameter input : model.getModelElementsByType(CamundaInputParameter.class)) {
                if ("deadline".equals(input.getCamundaName())) {
                    input.setTextContent("PT45S");
                }
                if ("payloadVariables".equals(input.getCamundaName()) && "tripId".equals(input.getTextContent())
                        // inputParameter < inputOutput < extensionElements < the compensation task
                        && "Task_CancelCar".equals(input.getParentElement().getParentElement().getParentElement()
                        .getAttributeValue("id"))) {
                    input.setTextContent("tripId,customerId");
                }
            }
        }
        repository.createDeployment().name(processKey).addModelInstance(processKey + ".bpmn", model).deploy();
    }

    private static long countOn(JsonNode versions, int version) {
        long count = 0;
        for (JsonNode entry : versions) {
            if (entry.path("version").asInt() == version) {
                count += entry.path("running").asLong();
            }
        }
        return count;
    }

    private int version(String sagaId) {
        JsonNode saga = api.rest().getForObject("/api/sagas/{id}", JsonNode.class, sagaId);
        assertThat(saga.path("processDefinitionId").asText()).contains(saga.path("processKey").asText());
        return saga.path("processDefinitionVersion").asInt();
    }

    /** The step's deadline in whole seconds after it was sent. */
    private long deadlineOf(String sagaId, String command) {
        return jdbc.queryForObject("SELECT sent_at, deadline_at FROM sagaflow.saga_step WHERE saga_id = ? "
                + "AND command = ?", (rs, n) -> Math.round(Duration.between(rs.getTimestamp("sent_at").toInstant(),
                rs.getTimestamp("deadline_at").toInstant()).toMillis() / 1000.0), sagaId, command);
    }

    private String payloadOf(String sagaId, String command) {
        return jdbc.queryForObject("SELECT payload FROM sagaflow.saga_step WHERE saga_id = ? AND command = ?",
                String.class, sagaId, command);
    }

    private List<String> searchVersion(String processKey, int version) {
        JsonNode page = api.rest().getForObject("/api/sagas?processKey={key}&processDefinitionVersion={version}",
                JsonNode.class, processKey, version);
        List<String> ids = new ArrayList<>();
        page.path("items").forEach(item -> {
            assertThat(item.path("processDefinitionVersion").asInt()).isEqualTo(version);
            ids.add(item.path("sagaId").asText());
        });
        return ids;
    }
}
