package io.sagaflow.txmessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.testing.CaptureQueues;
import io.sagaflow.testing.IntegrationTest;
import io.sagaflow.contract.TxMessageProtocol;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.TxApi;

/**
 * Prepare, commit and rollback through the public REST API and the AMQP requests exchange, with a
 * real broker: a committed message arrives once at its destination, anything else never.
 */
@IntegrationTest
@DisplayName("Transactional messages: prepare, commit, rollback")
class TxMessageApiIntegrationTests {

    @RegisterExtension
    final CaptureQueues queues = new CaptureQueues();

    private final TxApi api;
    /** Without credentials. */
    private final TestRestTemplate rest;
    private final ObjectMapper objectMapper;
    private final JdbcTemplate jdbc;
    private final RabbitTemplate rabbit;

    private String queue;
    private String producerGroup;

    TxMessageApiIntegrationTests(TxApi api, TestRestTemplate rest, ObjectMapper objectMapper, JdbcTemplate jdbc,
                                 RabbitTemplate rabbit) {
        this.api = api;
        this.rest = rest;
        this.objectMapper = objectMapper;
        this.jdbc = jdbc;
        this.rabbit = rabbit;
    }

    @BeforeEach
    void setUp() {
        queue = api.bindTemporaryQueue(queues);
        producerGroup = TxApi.fresh("tx-api-test");
    }

    @Test
    @DisplayName("a prepared message is invisible until committed, then delivered exactly once with its id")
    void committedMessageIsDeliveredOnce() {
        Map<String, Object> body = api.prepareBody(null, producerGroup, queue, Map.of("orderId", "o-1", "total", 42));
        body.put("headers", Map.of("tenant", "acme"));
        ResponseEntity<JsonNode> prepared = api.post("/api/tx-messages", body);

        assertThat(prepared.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        String id = prepared.getBody().path("id").asText();
        assertThat(id).isNotBlank();
        assertThat(prepared.getBody().path("state").asText()).isEqualTo("HALF");
        assertThat(prepared.getHeaders().getLocation()).hasToString("/api/tx-messages/" + id);
        JsonNode half = api.message(id);
        assertThat(half.path("checks").asInt()).isZero();
        assertThat(half.has("lastCheckAt")).as("lastCheckAt is always present").isTrue();
        assertThat(half.path("lastCheckAt").isNull()).isTrue();
        assertThat(api.outboxRows(id)).isZero();
        api.assertNothingDelivered(queue);

        JsonNode committed = api.commit(id);

        assertThat(committed.path("state").asText()).isEqualTo("COMMITTED");
        assertThat(committed.path("decidedBy").asText()).isEqualTo("PRODUCER");
        Message delivered = api.receive(queue);
        MessageProperties properties = delivered.getMessageProperties();
        assertThat(properties.getMessageId()).isEqualTo(id);
        assertThat(properties.getType()).isEqualTo(queue);
        assertThat(properties.<Object>getHeader(TxMessageProtocol.MESSAGE_ID_HEADER)).hasToString(id);
        assertThat(properties.<Object>getHeader(TxMessageProtocol.PRODUCER_GROUP_HEADER)).hasToString(producerGroup);
        assertThat(properties.<Object>getHeader("tenant")).hasToString("acme");
        assertThat(api.readJson(delivered.getBody())).isEqualTo(objectMapper.valueToTree(Map.of("orderId", "o-1",
                "total", 42)));
        api.assertNothingDelivered(queue);
        assertThat(api.state(id)).isEqualTo("COMMITTED");
    }

    @Test
    @DisplayName("a rolled-back message is never delivered and never reaches the outbox")
    void rolledBackMessageIsNeverDelivered() {
        String id = api.prepare(api.prepareBody(null, producerGroup, queue, "plain text body"));

        JsonNode rolledBack = api.rollback(id);

        assertThat(rolledBack.path("state").asText()).isEqualTo("ROLLED_BACK");
        assertThat(api.outboxRows(id)).isZero();
        api.assertNothingDelivered(queue);
        assertThat(api.state(id)).isEqualTo("ROLLED_BACK");
    }

    @Test
    @DisplayName("repeating a prepare with the same id, or a commit, changes nothing and delivers once")
    void repeatedPrepareAndCommitAreHarmless() {
        String id = TxApi.fresh("client-id");
        Map<String, Object> body = api.prepareBody(id, producerGroup, queue, Map.of("n", 1));

        assertThat(api.prepare(body)).isEqualTo(id);
        ResponseEntity<JsonNode> again = api.post("/api/tx-messages", body);
        assertThat(again.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(again.getBody().path("id").asText()).isEqualTo(id);
        assertThat(again.getBody().path("state").asText()).isEqualTo("HALF");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.tx_message WHERE id = ?", Long.class, id))
                .isEqualTo(1);

        assertThat(api.commit(id).path("state").asText()).isEqualTo("COMMITTED");
        assertThat(api.commit(id).path("state").asText()).isEqualTo("COMMITTED");
        ResponseEntity<JsonNode> lateRepeat = api.post("/api/tx-messages", body);
        assertThat(lateRepeat.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(lateRepeat.getBody().path("state").asText()).isEqualTo("COMMITTED");

        assertThat(api.outboxRows(id)).isEqualTo(1);
        api.receive(queue);
        api.assertNothingDelivered(queue);
    }

    @Test
    @DisplayName("the same id with a different message is refused with 409 naming the id")
    void sameIdDifferentMessageIsAConflict() {
        String id = TxApi.fresh("client-id");
        api.prepare(api.prepareBody(id, producerGroup, queue, Map.of("n", 1)));

        ResponseEntity<JsonNode> response = api.post("/api/tx-messages",
                api.prepareBody(id, producerGroup, queue, Map.of("n", 2)));

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(TxApi.problemFields(response)).containsExactly("id");
    }

    @Test
    @DisplayName("commit of an unknown id is 404 problem+json")
    void commitOfUnknownIdIsNotFound() {
        ResponseEntity<JsonNode> response = api.post("/api/tx-messages/{id}/commit", Map.of(), TxApi.fresh("nobody"));

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
        TxApi.problemFields(response);
        assertThat(api.get("/api/tx-messages/{id}", TxApi.fresh("nobody")).getStatusCode())
                .isEqualTo(HttpStatus.NOT_FOUND);
    }

    @Test
    @DisplayName("commit after rollback is refused with 409, and nothing is delivered")
    void commitAfterRollbackIsAConflict() {
        String id = api.prepare(api.prepareBody(null, producerGroup, queue, Map.of("n", 1)));
        api.rollback(id);

        ResponseEntity<JsonNode> response = api.post("/api/tx-messages/{id}/commit", Map.of(), id);

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(response.getBody().path("detail").asText()).contains("ROLLED_BACK");
        assertThat(api.state(id)).isEqualTo("ROLLED_BACK");
        assertThat(api.rollback(id).path("state").asText()).as("rollback again is harmless").isEqualTo("ROLLED_BACK");
        api.assertNothingDelivered(queue);
    }

    @Test
    @DisplayName("rollback after commit is refused with 409, and the message is still delivered once")
    void rollbackAfterCommitIsAConflict() {
        String id = api.prepare(api.prepareBody(null, producerGroup, queue, Map.of("n", 1)));
        api.commit(id);

        ResponseEntity<JsonNode> response = api.post("/api/tx-messages/{id}/rollback", Map.of(), id);

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(response.getBody().path("detail").asText()).contains("COMMITTED");
        assertThat(api.state(id)).isEqualTo("COMMITTED");
        api.receive(queue);
        api.assertNothingDelivered(queue);
    }

    @Test
    @DisplayName("a prepare without exchange is 400 naming \"exchange\"")
    void missingExchangeIsBadRequest() {
        Map<String, Object> body = api.prepareBody(null, producerGroup, queue, Map.of("n", 1));
        body.remove("exchange");

        ResponseEntity<JsonNode> response = api.post("/api/tx-messages", body);

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(TxApi.problemFields(response)).containsExactly("exchange");
    }

    @Test
    @DisplayName("invalid prepares name their field: producerGroup, routingKey, payload, headers")
    void invalidPreparesNameTheirField() {
        Map<String, Object> noGroup = api.prepareBody(null, producerGroup, queue, Map.of("n", 1));
        noGroup.remove("producerGroup");
        Map<String, Object> badGroup = api.prepareBody(null, "a group with spaces", queue, Map.of("n", 1));
        Map<String, Object> noRoutingKey = api.prepareBody(null, producerGroup, queue, Map.of("n", 1));
        noRoutingKey.remove("routingKey");
        Map<String, Object> noPayload = api.prepareBody(null, producerGroup, queue, Map.of("n", 1));
        noPayload.remove("payload");
        Map<String, Object> reservedHeader = api.prepareBody(null, producerGroup, queue, Map.of("n", 1));
        reservedHeader.put("headers", Map.of(TxMessageProtocol.MESSAGE_ID_HEADER, "forged"));

        assertThat(TxApi.problemFields(api.post("/api/tx-messages", noGroup))).containsExactly("producerGroup");
        assertThat(TxApi.problemFields(api.post("/api/tx-messages", badGroup))).containsExactly("producerGroup");
        assertThat(TxApi.problemFields(api.post("/api/tx-messages", noRoutingKey))).containsExactly("routingKey");
        assertThat(TxApi.problemFields(api.post("/api/tx-messages", noPayload))).containsExactly("payload");
        assertThat(TxApi.problemFields(api.post("/api/tx-messages", reservedHeader)))
                .containsExactly("headers." + TxMessageProtocol.MESSAGE_ID_HEADER);
    }

    @Test
    @DisplayName("an oversized payload is 413 naming \"payload\", and nothing is stored")
    void oversizedPayloadIsRefused() {
        String id = TxApi.fresh("big");
        Map<String, Object> body = api.prepareBody(id, producerGroup, queue, "x".repeat(300_000));

        ResponseEntity<JsonNode> response = api.post("/api/tx-messages", body);

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.PAYLOAD_TOO_LARGE);
        assertThat(TxApi.problemFields(response)).containsExactly("payload");
        assertThat(api.get("/api/tx-messages/{id}", id).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
    }

    @Test
    @DisplayName("an operator cannot resolve a HALF message, and must name a valid decision")
    void resolveIsOnlyForParkedMessages() {
        String id = api.prepare(api.prepareBody(null, producerGroup, queue, Map.of("n", 1)));

        ResponseEntity<JsonNode> half = api.post("/api/tx-messages/{id}/resolve", Map.of("decision", "COMMIT"), id);
        ResponseEntity<JsonNode> invalid = api.post("/api/tx-messages/{id}/resolve", Map.of("decision", "MAYBE"), id);
        ResponseEntity<JsonNode> missing = api.post("/api/tx-messages/{id}/resolve", Map.of(), id);
        ResponseEntity<JsonNode> badState = api.get("/api/tx-messages?state=SOMETIMES");

        assertThat(half.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(invalid.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(TxApi.problemFields(invalid)).containsExactly("decision");
        assertThat(TxApi.problemFields(missing)).containsExactly("decision");
        assertThat(badState.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(TxApi.problemFields(badState)).containsExactly("state");
        assertThat(api.state(id)).isEqualTo("HALF");
        api.rollback(id);
    }

    @Test
    @DisplayName("the API needs the admin's credentials")
    void apiNeedsCredentials() {
        assertThat(rest.getForEntity("/api/tx-messages", String.class).getStatusCode())
                .isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(rest.postForEntity("/api/tx-messages", Map.of(), String.class).getStatusCode())
                .isEqualTo(HttpStatus.UNAUTHORIZED);
    }

    @Test
    @DisplayName("prepare and commit as AMQP messages to sagaflow.tx-messages deliver the message once")
    void prepareAndCommitOverAmqp() {
        String id = TxApi.fresh("amqp");
        Map<String, Object> prepare = api.prepareBody(id, producerGroup, queue, Map.of("via", "amqp"));

        sendRequest(TxMessageProtocol.PREPARE, id + ":prepare", api.json(prepare));
        await("HALF after the AMQP prepare").atMost(Duration.ofSeconds(15))
                .until(() -> api.get("/api/tx-messages/{id}", id).getStatusCode() == HttpStatus.OK);
        assertThat(api.state(id)).isEqualTo("HALF");
        sendRequest(TxMessageProtocol.COMMIT, id + ":commit", api.json(Map.of("id", id)));
        sendRequest(TxMessageProtocol.COMMIT, id + ":commit-again", api.json(Map.of("id", id)));

        Message delivered = api.receive(queue);
        assertThat(delivered.getMessageProperties().getMessageId()).isEqualTo(id);
        assertThat(api.readJson(delivered.getBody()).path("via").asText()).isEqualTo("amqp");
        api.assertNothingDelivered(queue);
        assertThat(api.state(id)).isEqualTo("COMMITTED");
    }

    @Test
    @DisplayName("an invalid AMQP prepare is parked with the reason naming the field")
    void invalidAmqpPrepareIsParked() {
        String id = TxApi.fresh("amqp-invalid");
        String messageId = id + ":prepare";
        Map<String, Object> prepare = new LinkedHashMap<>(api.prepareBody(id, producerGroup, queue, Map.of("n", 1)));
        prepare.remove("exchange");

        sendRequest(TxMessageProtocol.PREPARE, messageId, api.json(prepare));

        await("the prepare parked").atMost(Duration.ofSeconds(15)).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM sagaflow.parked_message WHERE consumer = ? AND message_id = ?", Long.class,
                TxMessageMessaging.REQUESTS_CONSUMER, messageId) == 1);
        assertThat(jdbc.queryForObject("SELECT reason FROM sagaflow.parked_message WHERE message_id = ?",
                String.class, messageId)).contains("exchange");
        assertThat(api.get("/api/tx-messages/{id}", id).getStatusCode()).isEqualTo(HttpStatus.NOT_FOUND);
    }

    private void sendRequest(String operation, String messageId, String body) {
        MessageProperties properties = new MessageProperties();
        properties.setMessageId(messageId);
        properties.setType(operation);
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        rabbit.send(TxMessageProtocol.REQUESTS_EXCHANGE, operation,
                new Message(body.getBytes(StandardCharsets.UTF_8), properties));
    }
}
