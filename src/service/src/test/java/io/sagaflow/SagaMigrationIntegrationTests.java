package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputParameter;
import org.camunda.bpm.model.xml.instance.ModelElementInstance;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.ClassPathResource;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.IntegrationTest;

/**
 * Saga-aware migration (POST /api/sagas/migrations) on the straight trip: car, hotel, flight.
 * Version 2 renames the hotel step (mapped by the request) and replaces the flight step after it by
 * a new one; version 3 drops the hotel's compensation. Fifty trips wait for their hotel's reply
 * (held 30 s) when they are moved to version 2; their flight is then refused, and every completed
 * step is compensated once, the car completed on version 1 and the hotel under the step name its
 * participant knows. A trip waiting on the flight cannot move to version 2 (no mapping) nor to
 * version 3 (its completed hotel would lose its compensation): reported, left alone, completed on
 * version 1.
 */
@IntegrationTest
@DisplayName("Saga-aware migration of running sagas")
class SagaMigrationIntegrationTests {

    private static final int MOVERS = 50;

    private final ApiSupport api;
    private final RepositoryService repository;
    private final JdbcTemplate jdbc;
    private final io.sagaflow.saga.SagaMigrations migrations;

    SagaMigrationIntegrationTests(ApiSupport api, RepositoryService repository, JdbcTemplate jdbc,
                                  io.sagaflow.saga.SagaMigrations migrations) {
        this.api = api;
        this.repository = repository;
        this.jdbc = jdbc;
        this.migrations = migrations;
    }

    @Test
    @DisplayName("50 sagas waiting on a renamed step move, run the new step and compensate every completed step once; the others are reported and left alone")
    void sagasWaitingOnARenamedStepMoveAndCompensateCompletely() throws Exception {
        String processKey = "migrating-trip-" + UUID.randomUUID().toString().substring(0, 8);
        deploy(processKey, 1);
        List<String> movers = new ArrayList<>();
        for (int i = 0; i < MOVERS; i++) {
            movers.add(api.startSaga(processKey, ApiSupport.trip("XXX", "hotel.book:delay=PT30S")).sagaId());
        }
        String waitsOnFlight = api.startSaga(processKey, ApiSupport.trip("LIS", "flight.book:delay=PT30S")).sagaId();
        await("every trip waits where it should").atMost(ApiSupport.SAGA_TIMEOUT).until(() ->
                waiting(movers, "hotel.book") == MOVERS && waiting(List.of(waitsOnFlight), "flight.book") == 1);
        deploy(processKey, 2);
        deploy(processKey, 3);
        List<String> all = new ArrayList<>(movers);
        all.add(waitsOnFlight);

        JsonNode dryRun = migrate(processKey, 2, Map.of("Task_BookHotel", "Task_BookHotelV2"), all, true)
                .getBody();
        assertThat(dryRun.path("movable").asInt()).as("dry run %s %s", dryRun.path("mapping"), dryRun.path("sagas").path(0))
                .isEqualTo(MOVERS);
        assertThat(dryRun.path("leftAlone").asInt()).isEqualTo(1);
        JsonNode stuck = verdictOf(dryRun, waitsOnFlight);
        assertThat(stuck.path("blockers").toString()).contains("waiting step Task_BookFlight has no mapping");
        JsonNode mover = verdictOf(dryRun, movers.get(0));
        assertThat(mover.path("waitingSteps").path(0).path("activityId").asText()).isEqualTo("Task_BookHotel");
        assertThat(mover.path("waitingSteps").path(0).path("targetActivityId").asText()).isEqualTo("Task_BookHotelV2");
        assertThat(mover.path("completedSteps").toString()).contains("Task_ReserveCar");
        assertThat(version(movers.get(0))).as("a dry run moves nothing").isEqualTo(1);

        // Version 3 would drop the compensation of the hotel the stuck trip has booked.
        JsonNode toVersion3 = migrate(processKey, 3, Map.of(), List.of(waitsOnFlight), true).getBody();
        assertThat(verdictOf(toVersion3, waitsOnFlight).path("blockers").toString())
                .contains("completed step Task_BookHotel", "has no compensation");

        ResponseEntity<JsonNode> started = migrate(processKey, 2, Map.of("Task_BookHotel", "Task_BookHotelV2"), all,
                false);
        assertThat(started.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        String migrationId = started.getBody().path("migrationId").asText();
        // Two more workers beside the scheduled one, as other instances would be: each saga moves once.
        java.util.concurrent.ExecutorService workers = java.util.concurrent.Executors.newFixedThreadPool(2);
        List<java.util.concurrent.Future<?>> working = List.of(workers.submit(migrations::workOffPendingSagas),
                workers.submit(migrations::workOffPendingSagas));
        for (java.util.concurrent.Future<?> worker : working) {
            worker.get(2, java.util.concurrent.TimeUnit.MINUTES);
        }
        workers.shutdown();
        assertThat(started.getHeaders().getLocation().getPath()).isEqualTo("/api/sagas/migrations/" + migrationId);
        JsonNode done = await("migration " + migrationId + " done").atMost(ApiSupport.SAGA_TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> api.rest().getForObject("/api/sagas/migrations/{id}", JsonNode.class, migrationId),
                        progress -> "DONE".equals(progress.path("status").asText()));
        assertThat(done.path("counts").path("MIGRATED").asInt()).as("progress %s", done).isEqualTo(MOVERS);
        assertThat(done.path("counts").path("LEFT_ALONE").asInt()).isEqualTo(1);
        assertThat(done.path("counts").path("FAILED").asInt()).isZero();
        for (String sagaId : movers) {
            assertThat(version(sagaId)).isEqualTo(2);
            assertThat(jdbc.queryForObject("SELECT activity_id FROM sagaflow.saga_step WHERE saga_id = ? "
                    + "AND command = 'hotel.book'", String.class, sagaId)).isEqualTo("Task_BookHotelV2");
        }
        assertThat(version(waitsOnFlight)).isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.audit_record WHERE action = 'saga.migrate' "
                + "AND target LIKE ?", Long.class, "migration " + migrationId + "%"))
                .as("one audit record per moved saga, whichever worker moved it").isEqualTo(MOVERS);
        assertThat(jdbc.queryForObject("SELECT COUNT(DISTINCT saga_id) FROM sagaflow.audit_record "
                + "WHERE action = 'saga.migrate' AND outcome = 'DONE' AND target LIKE ?", Long.class,
                "migration " + migrationId + "%")).isEqualTo(MOVERS);

        // The held hotel replies arrive: each mover runs version 2's flight step, is refused, compensates.
        for (String sagaId : movers) {
            assertThat(api.awaitFinished(sagaId).status()).as("saga %s", sagaId).isEqualTo("COMPENSATED");
            assertThat(jdbc.queryForList("SELECT activity_id FROM sagaflow.saga_step WHERE saga_id = ? "
                    + "AND command = 'flight.book'", String.class, sagaId)).containsExactly("Task_BookFlightV2");
            assertThat(api.tripEffects(sagaId)).as("bookings of %s", sagaId)
                    .containsEntry("car", List.of("CANCELLED")).containsEntry("hotel", List.of("CANCELLED"))
                    .containsEntry("flight", List.of());
            assertThat(jdbc.queryForList("SELECT step FROM sagaflow.saga_step WHERE saga_id = ? AND op = 'COMPENSATION' "
                    + "AND status = 'SUCCEEDED' ORDER BY completion_seq", String.class, sagaId))
                    .as("each completed step compensated once, under the name its participant knows")
                    .containsExactly("Task_BookHotel", "Task_ReserveCar");
        }
        assertThat(api.awaitFinished(waitsOnFlight).status()).isEqualTo("COMPLETED");
        assertThat(version(waitsOnFlight)).isEqualTo(1);
    }

    @Test
    @DisplayName("a mapping naming an activity the source does not have is refused with 400 naming the field")
    void unknownActivityInTheMappingIsRefused() throws IOException {
        String processKey = "migrating-trip-" + UUID.randomUUID().toString().substring(0, 8);
        deploy(processKey, 1);
        deploy(processKey, 2);

        ResponseEntity<JsonNode> refused = migrate(processKey, 2, Map.of("Task_NoSuchStep", "Task_BookHotelV2"),
                List.of(), true);

        assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(refused.getBody().path("errors").findValuesAsText("field")).containsExactly("mapping");
    }

    private ResponseEntity<JsonNode> migrate(String processKey, int targetVersion, Map<String, String> mapping,
                                             List<String> sagaIds, boolean dryRun) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("processKey", processKey);
        body.put("sourceVersion", 1);
        body.put("targetVersion", String.valueOf(targetVersion));
        body.put("mapping", mapping);
        body.put("sagaIds", sagaIds);
        body.put("reason", "test: hotel step renamed");
        body.put("dryRun", dryRun);
        return api.rest().postForEntity("/api/sagas/migrations", body, JsonNode.class);
    }

    private static JsonNode verdictOf(JsonNode report, String sagaId) {
        for (JsonNode saga : report.path("sagas")) {
            if (sagaId.equals(saga.path("sagaId").asText())) {
                return saga;
            }
        }
        throw new AssertionError("no verdict on " + sagaId + " in " + report);
    }

    private long waiting(List<String> sagaIds, String command) {
        return sagaIds.stream().filter(sagaId -> jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.saga_step "
                + "WHERE saga_id = ? AND command = ? AND status = 'WAITING'", Long.class, sagaId, command) == 1).count();
    }

    private int version(String sagaId) {
        return api.rest().getForObject("/api/sagas/{id}", JsonNode.class, sagaId).path("processDefinitionVersion")
                .asInt();
    }

    /**
     * Version 1: the straight trip, every deadline 2 minutes. Version 2: the hotel step renamed
     * {@code Task_BookHotelV2}, the flight step replaced by {@code Task_BookFlightV2}. Version 3:
     * version 1 without the hotel's compensation.
     */
    private void deploy(String processKey, int version) throws IOException {
        BpmnModelInstance model;
        try (InputStream straight = java.nio.file.Files.newInputStream(java.nio.file.Path.of(
                "src/benchmark/src/test/resources/bench/trip-booking-straight.bpmn"))) { // the benchmark's model
            model = Bpmn.readModelFromStream(straight);
        }
        model.getModelElementsByType(Process.class).iterator().next().setId(processKey);
        // No diagram: the versions below change the elements, the test does not draw them.
        for (org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnDiagram diagram
                : List.copyOf(model.getModelElementsByType(org.camunda.bpm.model.bpmn.instance.bpmndi.BpmnDiagram.class))) {
            diagram.getParentElement().removeChildElement(diagram);
        }
        for (CamundaInputParameter input : model.getModelElementsByType(CamundaInputParameter.class)) {
            if ("deadline".equals(input.getCamundaName())) {
                input.setTextContent("PT2M");
            }
        }
        if (version == 2) {
            rename(model, "Task_BookHotel", "Task_BookHotelV2");
            rename(model, "Task_BookFlight", "Task_BookFlightV2");
            rename(model, "BoundaryEvent_CancelFlight", "BoundaryEvent_CancelFlightV2");
        }
        if (version == 3) {
            for (String id : List.of("Association_CancelHotel", "BoundaryEvent_CancelHotel", "Task_CancelHotel")) {
                ModelElementInstance element = model.getModelElementById(id);
                element.getParentElement().removeChildElement(element);
            }
            // A step without an undo, as a modeller draws one: not made with the Saga step template.
            ((ModelElementInstance) model.getModelElementById("Task_BookHotel"))
                    .removeAttributeNs("http://camunda.org/schema/1.0/bpmn", "modelerTemplate");
        }
        repository.createDeployment().name(processKey + "-v" + version)
                .addModelInstance(processKey + ".bpmn", model).deploy();
    }

    private static void rename(BpmnModelInstance model, String id, String newId) {
        ModelElementInstance element = model.getModelElementById(id);
        element.setAttributeValue("id", newId, true); // references (flows, attachedToRef) follow
    }
}
