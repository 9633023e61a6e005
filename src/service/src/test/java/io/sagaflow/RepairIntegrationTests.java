package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.sagaflow.contract.SagaHeaders;
import io.sagaflow.contract.Topology;
import io.sagaflow.outbox.OutboxProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Message;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.CaptureQueues;
import io.sagaflow.testing.IntegrationTest;

/**
 * The operator's repair of outbox rows the relay gave up on, and the relay's handling of messages the
 * broker refuses. Rows are written straight into the outbox table, each with a fresh message id and a
 * routing key no queue is bound to ({@code nobody-<uuid>}), and deleted afterwards: a PENDING row left
 * behind would turn the outbox health DOWN for every other test on the shared database.
 */
@IntegrationTest
@DisplayName("Outbox repair")
class RepairIntegrationTests {

    private static final Duration RELAY_TIMEOUT = Duration.ofSeconds(20);
    /** How long "nothing arrives" is watched: two relay sweeps (sagaflow.outbox.poll-interval, 1 s). */
    private static final Duration QUIET_PERIOD = Duration.ofSeconds(2);

    @RegisterExtension
    final CaptureQueues queues = new CaptureQueues();

    private final ApiSupport api;
    private final JdbcTemplate jdbc;
    private final OutboxProperties outbox;
    private final Clock clock;

    private final List<String> rows = new ArrayList<>();

    RepairIntegrationTests(ApiSupport api, JdbcTemplate jdbc, OutboxProperties outbox, Clock clock) {
        this.api = api;
        this.jdbc = jdbc;
        this.outbox = outbox;
        this.clock = clock;
    }

    @AfterEach
    void cleanUp() {
        rows.forEach(messageId -> jdbc.update("DELETE FROM sagaflow.outbox_message WHERE message_id = ?", messageId));
    }

    @Test
    @DisplayName("a FAILED row is listed with its last error, and its re-queue publishes it once a queue is bound")
    void failedRowIsListedAndRequeuedOnceRoutable() throws Exception {
        String routingKey = "nobody-" + UUID.randomUUID();
        String lastError = "returned as unroutable: 312 NO_ROUTE (exchange sagaflow.replies, routing key " + routingKey
                + ")";
        String messageId = insertRow(Topology.REPLIES_EXCHANGE, routingKey, "FAILED", outbox.maxAttempts(), lastError);

        JsonNode listed = listedFailed(messageId);
        assertThat(listed).as("%s in GET /api/outbox/failed", messageId).isNotNull();
        assertThat(listed.path("exchange").asText()).isEqualTo(Topology.REPLIES_EXCHANGE);
        assertThat(listed.path("routingKey").asText()).isEqualTo(routingKey);
        assertThat(listed.path("type").asText()).isEqualTo("repair.test");
        assertThat(listed.path("attempts").asInt()).isEqualTo(outbox.maxAttempts());
        assertThat(listed.path("lastError").asText()).isEqualTo(lastError);

        String queue = queues.bind("sagaflow.test.repair", new DirectExchange(Topology.REPLIES_EXCHANGE), routingKey);
        // Watched for longer than a relay sweep (1 s): an immediate receive would pass before any sweep ran.
        assertThat(queues.receive(queue, QUIET_PERIOD)).as("a FAILED row is not published on its own")
                .isNull();

        ResponseEntity<String> requeue = requeue(messageId);

        assertThat(requeue.getStatusCode()).as("re-queue: %s", requeue.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        await("re-queued row SENT").atMost(RELAY_TIMEOUT).until(() -> "SENT".equals(row(messageId).get("status")));
        Message received = queues.expect(queue, RELAY_TIMEOUT); // the re-queued message
        assertThat(received.getMessageProperties().getMessageId()).isEqualTo(messageId);
        assertThat(received.getMessageProperties().getType()).isEqualTo("repair.test");
        assertThat(received.getMessageProperties().<Object>getHeader(SagaHeaders.SAGA_ID)).hasToString(sagaIdOf(messageId));
        assertThat(new String(received.getBody(), StandardCharsets.UTF_8)).isEqualTo(payloadOf(messageId));
        Map<String, Object> sent = row(messageId);
        assertThat(((Number) sent.get("attempts")).intValue()).as("attempts after the re-queue").isZero();
        assertThat(sent.get("last_error")).isNull();
        assertThat(sent.get("sent_at")).isNotNull();
        assertThat(listedFailed(messageId)).as("still listed as FAILED").isNull();
        assertThat(queues.receive(queue, QUIET_PERIOD)).as("a second copy").isNull();
    }

    @Test
    @DisplayName("the FAILED list narrows to one exchange and routing key, however many other rows failed")
    void failedListNarrowsToOneRoute() throws Exception {
        String routingKey = "nobody-" + UUID.randomUUID();
        String otherKey = "nobody-" + UUID.randomUUID();
        String mine = insertRow(Topology.REPLIES_EXCHANGE, routingKey, "FAILED", outbox.maxAttempts(), "unroutable");
        String other = insertRow(Topology.REPLIES_EXCHANGE, otherKey, "FAILED", outbox.maxAttempts(), "unroutable");

        assertThat(failedIds("routingKey={key}&exchange=" + Topology.REPLIES_EXCHANGE, routingKey))
                .containsExactly(mine);
        assertThat(failedIds("routingKey={key}", otherKey)).containsExactly(other);
        assertThat(failedIds("routingKey={key}&exchange=another", routingKey)).isEmpty();
    }

    private List<String> failedIds(String query, String routingKey) throws Exception {
        ResponseEntity<String> response = api.rest().getForEntity("/api/outbox/failed?" + query, String.class,
                routingKey);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        return api.readJson(response.getBody()).findValuesAsText("messageId");
    }

    @Test
    @DisplayName("re-queueing a row that is already SENT answers 409 problem+json and leaves it SENT")
    void requeueOfSentRowIsAConflict() throws Exception {
        String messageId = insertRow(Topology.REPLIES_EXCHANGE, "nobody-" + UUID.randomUUID(), "SENT", 1, null);

        ResponseEntity<String> requeue = requeue(messageId);

        ApiSupport.assertProblemAnswer(requeue, HttpStatus.CONFLICT);
        assertThat(api.readJson(requeue.getBody()).path("detail").asText()).contains(messageId, "not FAILED");
        assertThat(row(messageId).get("status")).isEqualTo("SENT");
    }

    @Test
    @DisplayName("re-queueing an unknown message answers 404 problem+json")
    void requeueOfUnknownMessageIsNotFound() throws Exception {
        String unknown = UUID.randomUUID().toString();

        ResponseEntity<String> requeue = requeue(unknown);

        ApiSupport.assertProblemAnswer(requeue, HttpStatus.NOT_FOUND);
        assertThat(api.readJson(requeue.getBody()).path("detail").asText()).contains(unknown);
    }

    @Test
    @DisplayName("a PENDING row the broker cannot route comes back as returned: a failed attempt with the error, never SENT")
    void unroutablePendingRowIsAFailedAttempt() throws Exception {
        String routingKey = "nobody-" + UUID.randomUUID();
        String messageId = insertRow(Topology.REPLIES_EXCHANGE, routingKey, "PENDING", 0, null);

        await("a failed attempt of " + messageId).atMost(RELAY_TIMEOUT)
                .until(() -> ((Number) row(messageId).get("attempts")).intValue() >= 1);

        Map<String, Object> attempted = row(messageId);
        assertThat(attempted.get("status")).as("status after a returned publish").isEqualTo("PENDING");
        assertThat(attempted.get("sent_at")).isNull();
        // RabbitMQ returns the message, then acks it; Qpid Broker-J nacks it, then returns it (read as a
        // return too): a failed attempt either way, naming the routing key. A row without reply_to is
        // retried (nobody to tell); a command is not (ModellingMistakesIntegrationTests).
        String lastError = (String) attempted.get("last_error");
        assertThat(lastError).as("last error").startsWith("returned as unroutable")
                .contains(routingKey).containsAnyOf("NO_ROUTE", "No route");
        // Not FAILED yet: the operator's re-queue is refused, the relay keeps retrying with backoff.
        ApiSupport.assertProblemAnswer(requeue(messageId), HttpStatus.CONFLICT);
    }

    @Test
    @DisplayName("a PENDING row for an exchange that does not exist is a failed attempt with the broker's error, never SENT")
    void pendingRowForMissingExchangeIsAFailedAttempt() throws Exception {
        String exchange = "sagaflow.test.no-such-exchange." + UUID.randomUUID();
        String messageId = insertRow(exchange, "nobody", "PENDING", 0, null);

        // RabbitMQ closes the channel (404 NOT_FOUND); Spring AMQP's cache then fails a background
        // waitForConfirms on it with an uncaught exception, which is no failure of the relay.
        await("a failed attempt of " + messageId).atMost(RELAY_TIMEOUT).dontCatchUncaughtExceptions()
                .until(() -> ((Number) row(messageId).get("attempts")).intValue() >= 1);

        Map<String, Object> attempted = row(messageId);
        assertThat(attempted.get("status")).isNotEqualTo("SENT");
        assertThat(attempted.get("sent_at")).isNull();
        assertThat((String) attempted.get("last_error")).as("last error").isNotBlank()
                .containsAnyOf("nack", "returned", "confirm");
        // No more attempts: each closes a channel of the shared connection.
        jdbc.update("DELETE FROM sagaflow.outbox_message WHERE message_id = ?", messageId);
    }

    @Test
    @DisplayName("health shows the admin the outbox component with its pending, failed and parked-message counts")
    void healthShowsTheOutboxToTheAdmin() throws Exception {
        insertRow(Topology.REPLIES_EXCHANGE, "nobody-" + UUID.randomUUID(), "FAILED", outbox.maxAttempts(), "test");

        ResponseEntity<String> response = api.rest().getForEntity("/actuator/health", String.class);

        assertThat(response.getStatusCode()).as("GET /actuator/health: %s", response.getBody())
                .isIn(HttpStatus.OK, HttpStatus.SERVICE_UNAVAILABLE);
        JsonNode component = api.readJson(response.getBody()).path("components").path("outbox");
        assertThat(component.path("status").asText()).as("outbox in %s", response.getBody()).isIn("UP", "DOWN");
        JsonNode details = component.path("details");
        assertThat(details.path("pending").isIntegralNumber()).as("pending in %s", details).isTrue();
        assertThat(details.path("pending").asLong()).isNotNegative();
        assertThat(details.path("failed").isIntegralNumber()).as("failed in %s", details).isTrue();
        assertThat(details.path("failed").asLong()).as("failed rows, this test's included").isPositive();
        assertThat(details.path("parkedMessages").isIntegralNumber()).as("parkedMessages in %s", details).isTrue();
        assertThat(details.path("parkedMessages").asLong()).isNotNegative();
        assertThat(details.has("oldestPendingAge")).isTrue();
        assertThat(details.has("maxPendingAge")).isTrue();
    }

    /** An outbox row of this test, as the relay would have written it. */
    private String insertRow(String exchange, String routingKey, String status, int attempts, String lastError)
            throws Exception {
        String messageId = UUID.randomUUID().toString();
        rows.add(messageId);
        Timestamp now = Timestamp.from(clock.instant());
        jdbc.update("""
                INSERT INTO sagaflow.outbox_message (message_id, ordering_key, exchange, routing_key, message_type,
                    correlation_id, reply_to, headers, payload, status, attempts, next_attempt_at, last_error,
                    created_at, sent_at)
                VALUES (?, NULL, ?, ?, 'repair.test', ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)
                """, messageId, exchange, routingKey, "command-" + messageId,
                api.json(Map.of(SagaHeaders.SAGA_ID, sagaIdOf(messageId))), payloadOf(messageId),
                status, attempts, now, lastError, now, "SENT".equals(status) ? now : null);
        return messageId;
    }

    private static String sagaIdOf(String messageId) {
        return "repair-saga-" + messageId;
    }

    private static String payloadOf(String messageId) {
        return "{\"repair\":\"" + messageId + "\"}";
    }

    private Map<String, Object> row(String messageId) {
        return jdbc.queryForMap("""
                SELECT status, attempts, last_error, sent_at FROM sagaflow.outbox_message WHERE message_id = ?
                """, messageId);
    }

    /** The row of GET /api/outbox/failed with this message id, or {@code null}. */
    private JsonNode listedFailed(String messageId) throws Exception {
        ResponseEntity<String> response = api.rest().getForEntity("/api/outbox/failed?routingKey={key}", String.class,
                jdbc.queryForObject("SELECT routing_key FROM sagaflow.outbox_message WHERE message_id = ?",
                        String.class, messageId));
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        JsonNode list = api.readJson(response.getBody());
        assertThat(list.isArray()).isTrue();
        for (JsonNode failed : list) {
            if (messageId.equals(failed.path("messageId").asText())) {
                return failed;
            }
        }
        return null;
    }

    private ResponseEntity<String> requeue(String messageId) {
        return api.rest().postForEntity("/api/outbox/{messageId}/requeue", null, String.class, messageId);
    }
}
