package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.sagaflow.testing.ApiSupport.StartedSaga;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.CaptureQueues;
import io.sagaflow.testing.IntegrationTest;

/**
 * Saga-end events as a subscriber sees them: a queue of this test bound to {@code sagaflow.events}
 * gets exactly one event per ended saga (completed, compensated, aborted) and one per incident,
 * with the contract's routing key, type, headers and body.
 */
@IntegrationTest
@DisplayName("Saga-end events")
class SagaEndEventsIntegrationTests {

    private static final String PROCESS = "order-fulfillment";
    /** After its event arrived, a saga's queue is watched this long for a second one. */
    private static final Duration NO_SECOND_EVENT = Duration.ofSeconds(2);

    @RegisterExtension
    final CaptureQueues queues = new CaptureQueues();

    private final ApiSupport api;
    private final JdbcTemplate jdbc;

    private String sku;
    private String subscriber;
    /** Every event received so far, of any saga: other tests' sagas may end meanwhile. */
    private final List<Message> received = new ArrayList<>();

    SagaEndEventsIntegrationTests(ApiSupport api, JdbcTemplate jdbc) {
        this.api = api;
        this.jdbc = jdbc;
    }

    @BeforeEach
    void subscribe() {
        sku = api.freshSku(1_000);
        subscriber = queues.bind("test.saga-events", new TopicExchange("sagaflow.events"), "#");
    }

    @Test
    @DisplayName("a completed saga publishes one saga.completed with routing key order-fulfillment.completed")
    void completedSagaPublishesOneEvent() throws Exception {
        StartedSaga started = api.startSaga(PROCESS, ApiSupport.orderVariables(sku, "10.00", "DE"));
        assertThat(api.awaitFinished(started.sagaId()).status()).isEqualTo("COMPLETED");

        Message event = onlyEventOf(started.sagaId());

        assertThat(event.getMessageProperties().getReceivedRoutingKey()).isEqualTo(PROCESS + ".completed");
        assertThat(event.getMessageProperties().getType()).isEqualTo("saga.completed");
        assertThat(event.getMessageProperties().getMessageId()).isNotBlank();
        assertThat((String) event.getMessageProperties().getHeader("sagaflow-business-key"))
                .isEqualTo(started.businessKey());
        JsonNode body = api.readJson(event.getBody());
        assertThat(body.path("sagaId").asText()).isEqualTo(started.sagaId());
        assertThat(body.path("processKey").asText()).isEqualTo(PROCESS);
        assertThat(body.path("businessKey").asText()).isEqualTo(started.businessKey());
        assertThat(body.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(body.path("startedAt").asText()).isNotBlank();
        assertThat(body.path("endedAt").asText()).isNotBlank();
    }

    @Test
    @DisplayName("a compensated saga publishes one saga.compensated naming the refusal")
    void compensatedSagaPublishesOneEvent() throws Exception {
        StartedSaga started = api.startSaga(PROCESS, ApiSupport.orderVariables(sku, "20000", "DE"));
        assertThat(api.awaitFinished(started.sagaId()).status()).isEqualTo("COMPENSATED");

        Message event = onlyEventOf(started.sagaId());

        assertThat(event.getMessageProperties().getReceivedRoutingKey()).isEqualTo(PROCESS + ".compensated");
        assertThat(event.getMessageProperties().getType()).isEqualTo("saga.compensated");
        JsonNode body = api.readJson(event.getBody());
        assertThat(body.path("status").asText()).isEqualTo("COMPENSATED");
        assertThat(body.path("reason").asText()).isNotBlank();
    }

    @Test
    @DisplayName("an aborted saga publishes one saga.compensated whose reason is the operator's")
    void abortedSagaPublishesOneEvent() throws Exception {
        StartedSaga started = api.startSaga(PROCESS, ApiSupport.orderVariables(sku, "11.00", "DE", "payment.charge:delay=PT3S"));
        await("the charge sent").atMost(ApiSupport.SAGA_TIMEOUT).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM sagaflow.saga_step WHERE saga_id = ? AND command = 'payment.charge'", Long.class,
                started.sagaId()) == 1);

        ResponseEntity<String> aborted = api.postJson("/api/sagas/{id}/abort", "{\"reason\":\"customer cancelled\"}",
                started.sagaId());
        assertThat(aborted.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(api.awaitFinished(started.sagaId()).status()).isEqualTo("COMPENSATED");

        JsonNode body = api.readJson(onlyEventOf(started.sagaId()).getBody());
        assertThat(body.path("status").asText()).isEqualTo("COMPENSATED");
        assertThat(body.path("reason").asText()).isEqualTo("aborted by an operator: customer cancelled");
    }

    @Test
    @DisplayName("an incident publishes one saga.failed; its retry completes the saga with one saga.completed")
    void incidentPublishesFailedThenCompleted() throws Exception {
        StartedSaga started = api.startSaga(PROCESS, ApiSupport.orderVariables(sku, "12.00", "DE", "payment.charge:technical-failure-once"));
        assertThat(api.awaitFinished(started.sagaId()).status()).isEqualTo("FAILED");

        Message failed = onlyEventOf(started.sagaId());
        assertThat(failed.getMessageProperties().getReceivedRoutingKey()).isEqualTo(PROCESS + ".failed");
        JsonNode body = api.readJson(failed.getBody());
        assertThat(body.path("status").asText()).isEqualTo("FAILED");
        assertThat(body.path("reason").asText()).contains("simulated technical failure");
        assertThat(body.has("endedAt") && !body.path("endedAt").isNull()).as("an incident does not end the saga")
                .isFalse();

        api.retryIncidentOf(started.sagaId());
        await("the retried saga completed").atMost(ApiSupport.SAGA_TIMEOUT)
                .until(() -> "COMPLETED".equals(api.saga(started.sagaId()).status()));
        List<Message> events = eventsOf(started.sagaId(), 2);
        assertThat(events).extracting(event -> event.getMessageProperties().getType())
                .containsExactly("saga.failed", "saga.completed");
    }

    // --- helpers --------------------------------------------------------------------------

    /** Waits for the saga's event, then makes sure no second one follows. */
    private Message onlyEventOf(String sagaId) {
        return eventsOf(sagaId, 1).get(0);
    }

    /** Waits for {@code count} events of the saga, then watches a while longer: there must be no more. */
    private List<Message> eventsOf(String sagaId, int count) {
        await("%d event(s) of saga %s".formatted(count, sagaId)).atMost(ApiSupport.SAGA_TIMEOUT)
                .until(() -> {
                    receiveFor(Duration.ofMillis(200));
                    return of(sagaId).size() >= count;
                });
        receiveFor(NO_SECOND_EVENT);
        List<Message> events = of(sagaId);
        assertThat(events).as("events of saga %s", sagaId).hasSize(count);
        return events;
    }

    private void receiveFor(Duration duration) {
        long end = System.nanoTime() + duration.toNanos();
        while (System.nanoTime() < end) {
            Message message = queues.receive(subscriber, Duration.ofMillis(100));
            if (message != null) {
                received.add(message);
            }
        }
    }

    private List<Message> of(String sagaId) {
        return received.stream()
                .filter(message -> sagaId.equals(message.getMessageProperties().getHeader("sagaflow-saga-id")))
                .toList();
    }
}
