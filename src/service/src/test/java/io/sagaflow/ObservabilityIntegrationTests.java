package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.springframework.core.io.ClassPathResource;
import io.sagaflow.testing.ApiSupport.Saga;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.IntegrationTest;

@IntegrationTest
@DisplayName("Observability and request limits")
class ObservabilityIntegrationTests {

    private static final String PROCESS = "order-fulfillment";
    /**
     * The order saga deployed once more under a key only this class starts, so its counters move
     * by exactly what this test does, whatever other tests' sagas do meanwhile.
     */
    private static final String MEASURED_PROCESS = "order-fulfillment-measured";

    private final ApiSupport api;
    private final JdbcTemplate jdbc;
    private final MeterRegistry meters;
    private final RepositoryService repository;

    ObservabilityIntegrationTests(ApiSupport api, JdbcTemplate jdbc, MeterRegistry meters,
                                  RepositoryService repository) {
        this.api = api;
        this.jdbc = jdbc;
        this.meters = meters;
        this.repository = repository;
    }

    @BeforeEach
    void setUp() throws Exception {
        try (InputStream original = new ClassPathResource("processes/" + PROCESS + ".bpmn").getInputStream()) {
            BpmnModelInstance model = Bpmn.readModelFromStream(original);
            model.getModelElementsByType(Process.class).iterator().next().setId(MEASURED_PROCESS);
            repository.createDeployment().name(MEASURED_PROCESS).enableDuplicateFiltering(true)
                    .addModelInstance(MEASURED_PROCESS + ".bpmn", model).deploy();
        }
    }

    @Test
    @DisplayName("sagas are counted per process as started, completed and compensated, and step latency is timed per process, command and outcome")
    void sagasAndStepsAreMeasured() {
        double started = count("sagaflow.sagas.started");
        double completed = count("sagaflow.sagas.completed");
        double compensated = count("sagaflow.sagas.compensated");
        double failed = count("sagaflow.sagas.failed");
        long charged = stepReplies("payment.charge", "SUCCESS");
        long declinedCharges = stepReplies("payment.charge", "BUSINESS_FAILURE");
        long releases = stepReplies("inventory.release", "SUCCESS");
        String sku = api.freshSku(100);

        Saga ok = api.awaitFinished(api.startSaga(MEASURED_PROCESS,
                ApiSupport.orderVariables(sku, "5.00", "DE")).sagaId());
        Saga declined = api.awaitFinished(api.startSaga(MEASURED_PROCESS,
                ApiSupport.orderVariables(sku, "20000", "DE")).sagaId());

        assertThat(ok.status()).isEqualTo("COMPLETED");
        assertThat(declined.status()).isEqualTo("COMPENSATED");
        assertThat(count("sagaflow.sagas.started")).isEqualTo(started + 2);
        assertThat(count("sagaflow.sagas.completed")).isEqualTo(completed + 1);
        assertThat(count("sagaflow.sagas.compensated")).isEqualTo(compensated + 1);
        assertThat(count("sagaflow.sagas.failed")).isEqualTo(failed);
        assertThat(stepReplies("payment.charge", "SUCCESS")).isEqualTo(charged + 1);
        assertThat(stepReplies("payment.charge", "BUSINESS_FAILURE")).isEqualTo(declinedCharges + 1);
        assertThat(stepReplies("inventory.release", "SUCCESS")).as("the declined order's stock released")
                .isEqualTo(releases + 1);
    }

    @Test
    @DisplayName("listener threads are named after their consumer, participants included")
    void listenerThreadsAreNamedAfterTheirConsumer() {
        List<String> threads = Thread.getAllStackTraces().keySet().stream().map(Thread::getName).toList();

        // By prefix: a container restarted by another test numbers its new threads on (orchestrator-7).
        for (String consumer : List.of("orchestrator", "inventory", "payment", "shipping")) {
            assertThat(threads).as("threads of consumer %s", consumer)
                    .anyMatch(name -> name.matches(consumer + "-\\d+"));
        }
        assertThat(threads).noneMatch(name -> name.startsWith("not.a.Spring.bean"));
    }

    @Test
    @DisplayName("a request body over the limit is refused with 413 problem+json before anything reads it")
    void oversizedRequestIsRefused() {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        String body = "{\"note\":\"" + "x".repeat(1_100_000) + "\"}";

        ResponseEntity<String> response = api.rest().exchange("/api/sagas/" + PROCESS, HttpMethod.POST,
                new HttpEntity<>(body, headers), String.class);

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.PAYLOAD_TOO_LARGE);
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(response.getBody()).contains("exceeds the limit");
    }

    @Test
    @DisplayName("a saga variable longer than Camunda can store is refused with 400 naming it")
    void overlongVariableIsRefused() {
        ResponseEntity<String> response = api.postJson("/api/sagas/" + PROCESS,
                "{\"orderId\":\"" + ApiSupport.fresh("order") + "\",\"note\":\"" + "n".repeat(4_001) + "\"}");

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(response.getBody()).contains("\"field\":\"note\"");
    }

    @Test
    @DisplayName("health turns DOWN while an outbox row waits longer than the allowed age, and UP again when it is gone")
    void outboxHealthIsDownWhileAMessageWaitsTooLong() throws Exception {
        String messageId = ApiSupport.fresh("stuck");
        Timestamp longAgo = Timestamp.from(Instant.now().minus(Duration.ofMinutes(10)));
        Timestamp later = Timestamp.from(Instant.now().plus(Duration.ofHours(1))); // the relay leaves it alone
        jdbc.update("""
                INSERT INTO sagaflow.outbox_message (message_id, exchange, routing_key, message_type, headers, payload,
                    status, attempts, next_attempt_at, created_at)
                VALUES (?, 'sagaflow.replies', 'nobody', 'test.stuck', '{}', '{}', 'PENDING', 3, ?, ?)
                """, messageId, later, longAgo);
        try {
            ResponseEntity<String> down = api.rest().getForEntity("/actuator/health", String.class);
            assertThat(down.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
            JsonNode outbox = api.readJson(down.getBody()).path("components").path("outbox");
            assertThat(outbox.path("status").asText()).isEqualTo("DOWN");
            assertThat(outbox.path("details").path("pending").asLong()).isPositive();
        } finally {
            jdbc.update("DELETE FROM sagaflow.outbox_message WHERE message_id = ?", messageId);
        }
        ResponseEntity<String> up = api.rest().getForEntity("/actuator/health", String.class);
        assertThat(api.readJson(up.getBody()).path("components").path("outbox").path("status").asText())
                .as("outbox health once the row is gone").isEqualTo("UP");
    }

    private double count(String name) {
        var counter = meters.find(name).tag("process", MEASURED_PROCESS).counter();
        return counter == null ? 0 : counter.count();
    }

    private long stepReplies(String command, String outcome) {
        return meters.find("sagaflow.step.latency").tags("process", MEASURED_PROCESS, "command", command,
                "outcome", outcome).timers().stream().mapToLong(Timer::count).sum();
    }
}
