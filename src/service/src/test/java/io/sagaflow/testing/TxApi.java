package io.sagaflow.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The transactional-message API and broker as these tests use them: admin HTTP Basic on every
 * call, a test destination exchange whose messages a test captures ({@link CaptureQueues}),
 * and direct row updates that make a HALF message due for its check-back now.
 *
 * <p>A bean of the shared test context ({@link IntegrationTest} imports it).
 */
public final class TxApi {

    /** Destination of committed test messages; each test binds its own queue with its own routing key. */
    public static final String DESTINATION = "sagaflow.test.tx-destination";
    public static final long DELIVERY_TIMEOUT_MILLIS = 15_000;
    /** How long to listen for a message that must not come. */
    public static final long NO_DELIVERY_WINDOW_MILLIS = 2_000;

    private final ApiSupport api;
    private final TestRestTemplate rest;
    private final JdbcTemplate jdbc;
    private final RabbitTemplate rabbit;
    private final AmqpAdmin amqpAdmin;

    /** The outcome table of the test producers, in a schema of the tests. */
    public static final String OUTCOME_TABLE = "txtest.tx_outcome";

    private final org.springframework.amqp.rabbit.connection.ConnectionFactory connectionFactory;
    private final javax.sql.DataSource dataSource;
    private final org.springframework.transaction.PlatformTransactionManager transactionManager;
    private final com.fasterxml.jackson.databind.ObjectMapper objectMapper;

    public TxApi(ApiSupport api, JdbcTemplate jdbc, RabbitTemplate rabbit, AmqpAdmin amqpAdmin,
          org.springframework.amqp.rabbit.connection.ConnectionFactory connectionFactory, javax.sql.DataSource dataSource,
          org.springframework.transaction.PlatformTransactionManager transactionManager,
          com.fasterxml.jackson.databind.ObjectMapper objectMapper) {
        this.connectionFactory = connectionFactory;
        this.dataSource = dataSource;
        this.transactionManager = transactionManager;
        this.objectMapper = objectMapper;
        this.api = api;
        this.rest = api.rest();
        this.jdbc = jdbc;
        this.rabbit = rabbit;
        this.amqpAdmin = amqpAdmin;
    }

    /**
     * A started producer client of {@code group} over the test context's broker and database, with
     * its outcome table {@value #OUTCOME_TABLE}; the caller stops it.
     */
    public io.sagaflow.txmessage.client.TxMessageProducer startProducer(String group) {
        jdbc.execute("CREATE SCHEMA IF NOT EXISTS txtest");
        jdbc.execute(io.sagaflow.txmessage.client.TxMessageProducer.outcomeTableDdl(OUTCOME_TABLE));
        io.sagaflow.txmessage.client.TxMessageProducer producer = io.sagaflow.txmessage.client.TxMessageProducer
                .builder(group).connectionFactory(connectionFactory).database(dataSource, transactionManager)
                .outcomeTable(OUTCOME_TABLE).objectMapper(objectMapper).build();
        producer.start();
        return producer;
    }

    public static String fresh(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    public TestRestTemplate rest() {
        return rest;
    }

    /** A queue of this test bound to {@link #DESTINATION}, deleted after the test; its name is also the routing key. */
    public String bindTemporaryQueue(CaptureQueues queues) {
        DirectExchange destination = new DirectExchange(DESTINATION, false, false);
        amqpAdmin.declareExchange(destination);
        return queues.bind("sagaflow.test.tx", destination);
    }

    public Message receive(String queue) {
        Message message = rabbit.receive(queue, DELIVERY_TIMEOUT_MILLIS);
        assertThat(message).as("a message delivered to %s", queue).isNotNull();
        return message;
    }

    public void assertNothingDelivered(String queue) {
        assertThat(rabbit.receive(queue, NO_DELIVERY_WINDOW_MILLIS)).as("a message delivered to %s", queue).isNull();
    }

    public Map<String, Object> prepareBody(String id, String producerGroup, String routingKey, Object payload) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (id != null) {
            body.put("id", id);
        }
        body.put("producerGroup", producerGroup);
        body.put("exchange", DESTINATION);
        body.put("routingKey", routingKey);
        body.put("payload", payload);
        return body;
    }

    public ResponseEntity<JsonNode> post(String path, Object body, Object... uriVariables) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        return rest.exchange(path, HttpMethod.POST, new HttpEntity<>(json(body), headers), JsonNode.class,
                uriVariables);
    }

    public ResponseEntity<JsonNode> get(String path, Object... uriVariables) {
        return rest.exchange(path, HttpMethod.GET, null, JsonNode.class, uriVariables);
    }

    /** POST /api/tx-messages, asserting 201 and HALF; returns the id. */
    public String prepare(Map<String, Object> body) {
        ResponseEntity<JsonNode> response = post("/api/tx-messages", body);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(response.getBody().path("state").asText()).isEqualTo("HALF");
        return response.getBody().path("id").asText();
    }

    public JsonNode commit(String id) {
        return decided(post("/api/tx-messages/{id}/commit", Map.of(), id));
    }

    public JsonNode rollback(String id) {
        return decided(post("/api/tx-messages/{id}/rollback", Map.of(), id));
    }

    private static JsonNode decided(ResponseEntity<JsonNode> response) {
        assertThat(response.getStatusCode()).as("response %s", response.getBody()).isEqualTo(HttpStatus.OK);
        return response.getBody();
    }

    public JsonNode message(String id) {
        ResponseEntity<JsonNode> response = get("/api/tx-messages/{id}", id);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        return response.getBody();
    }

    public String state(String id) {
        return message(id).path("state").asText();
    }

    /** As if the transaction timeout (or the check interval) had passed. */
    public void makeDue(String id) {
        jdbc.update("UPDATE sagaflow.tx_message SET next_check_at = ? WHERE id = ? AND state = 'HALF'",
                Timestamp.from(Instant.now().minusSeconds(1)), id);
    }

    public long inboxRows(String consumer, String messageId) {
        return api.inboxRows(consumer, messageId);
    }

    public long outboxRows(String messageId) {
        Long count = jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.outbox_message WHERE message_id = ?",
                Long.class, messageId);
        return count == null ? 0 : count;
    }

    /** The field names of a problem+json body's errors[]. */
    public static List<String> problemFields(ResponseEntity<JsonNode> response) {
        assertThat(response.getHeaders().getContentType()).isNotNull();
        assertThat(response.getHeaders().getContentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .as("content type %s", response.getHeaders().getContentType()).isTrue();
        List<String> fields = new ArrayList<>();
        response.getBody().path("errors").forEach(error -> fields.add(error.path("field").asText()));
        return fields;
    }

    public String json(Object value) {
        return api.json(value);
    }

    public JsonNode readJson(byte[] body) {
        return api.readJson(body);
    }
}
