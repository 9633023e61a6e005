package io.sagaflow.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The public HTTP API as the integration tests use it: every request carries the admin's HTTP
 * Basic credentials, and a saga is followed by polling {@code GET /api/sagas/{id}}.
 *
 * <p>A bean of the shared test context ({@link IntegrationTest} imports it): a test asks for it
 * with an {@code ApiSupport api} constructor parameter instead of wiring the template and the admin's credentials
 * itself. Public for the tests in other packages ({@code txmessage}, {@code contract}).
 */
public final class ApiSupport {

    /** Generous: a saga runs several async steps through the job executor and the broker. */
    public static final Duration SAGA_TIMEOUT = Duration.ofSeconds(30);

    private final TestRestTemplate rest;
    private final String adminUser;
    private final String adminPassword;
    private final JdbcTemplate jdbc;
    private final ObjectMapper objectMapper;

    public ApiSupport(TestRestTemplate rest, @Value("${sagaflow.admin.user}") String adminUser,
               @Value("${sagaflow.admin.password}") String adminPassword, JdbcTemplate jdbc,
               ObjectMapper objectMapper) {
        this.rest = rest.withBasicAuth(adminUser, adminPassword);
        this.adminUser = adminUser;
        this.adminPassword = adminPassword;
        this.jdbc = jdbc;
        this.objectMapper = objectMapper;
    }

    /** The admin's user name, for tests that send the credentials themselves (or wrong ones). */
    public String adminUser() {
        return adminUser;
    }

    public String adminPassword() {
        return adminPassword;
    }

    public record OrderRequest(String customerId, String sku, Integer quantity, BigDecimal amount, String country) {
    }

    public record StartedSaga(String sagaId, String businessKey) {
    }

    public record Saga(String sagaId, String processKey, String businessKey, String status, List<String> completedSteps,
                List<String> compensatedSteps) {
    }

    public record StockLevel(String sku, long available, long reserved) {
    }

    public record Ledger(String customerId, BigDecimal charged, BigDecimal refunded) {
    }

    public record Shipment(String shipmentId, String orderId, String sku, long quantity, String country, String status) {
    }

    public static String fresh(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    /**
     * Variables of a trip (the trip participants' sagas: trip-booking and the test shapes) with fresh
     * trip and customer ids, flying from BER to {@code destination}, with the simulations asked for.
     */
    public static Map<String, Object> trip(String destination, String... simulate) {
        Map<String, Object> trip = new LinkedHashMap<>();
        trip.put("tripId", fresh("trip"));
        trip.put("customerId", fresh("traveller"));
        trip.put("city", "Lisbon");
        trip.put("days", 3);
        trip.put("nights", 2);
        trip.put("from", "BER");
        trip.put("to", destination);
        if (simulate.length > 0) {
            trip.put("simulate", List.of(simulate));
        }
        return trip;
    }

    /** The bookings the trip participants keep for the saga, by participant (car, hotel, flight): their statuses. */
    public Map<String, List<String>> tripEffects(String sagaId) {
        Map<String, List<String>> effects = new LinkedHashMap<>();
        effects.put("car", jdbc.queryForList("SELECT status FROM car.reservation WHERE saga_id = ?", String.class, sagaId));
        effects.put("hotel", jdbc.queryForList("SELECT status FROM hotel.booking WHERE saga_id = ?", String.class, sagaId));
        effects.put("flight", jdbc.queryForList("SELECT status FROM flight.booking WHERE saga_id = ?", String.class,
                sagaId));
        return effects;
    }

    /**
     * A SKU row of this test alone, so its stock numbers are exact even though the database
     * persists between runs and the seeded SKUs are shared with other tests.
     */
    public String freshSku(long available) {
        String sku = fresh("T");
        jdbc.update("INSERT INTO inventory.stock (sku, available, reserved) VALUES (?, ?, 0)", sku, available);
        return sku;
    }

    /** The template with the admin's credentials, for requests no method here makes. */
    public TestRestTemplate rest() {
        return rest;
    }

    /** POST /api/orders, asserting the 202 and the Location of the new saga. */
    public StartedSaga placeOrder(OrderRequest order) {
        ResponseEntity<StartedSaga> response = rest.postForEntity("/api/orders", order, StartedSaga.class);
        return accepted(response);
    }

    /** POST /api/sagas/{processKey} with the variables, asserting the 202 and the Location. */
    public StartedSaga startSaga(String processKey, Map<String, Object> variables) {
        ResponseEntity<StartedSaga> response = rest.postForEntity("/api/sagas/{processKey}", variables,
                StartedSaga.class, processKey);
        return accepted(response);
    }

    private static StartedSaga accepted(ResponseEntity<StartedSaga> response) {
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        StartedSaga started = response.getBody();
        assertThat(started).isNotNull();
        assertThat(started.sagaId()).isNotBlank();
        assertThat(started.businessKey()).isNotBlank();
        assertThat(response.getHeaders().getLocation()).isNotNull();
        assertThat(response.getHeaders().getLocation().getPath()).isEqualTo("/api/sagas/" + started.sagaId());
        return started;
    }

    public Saga saga(String sagaId) {
        ResponseEntity<Saga> response = rest.getForEntity("/api/sagas/{id}", Saga.class, sagaId);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        return response.getBody();
    }

    /** Polls the saga until it is no longer RUNNING and returns that view (the caller asserts the status). */
    public Saga awaitFinished(String sagaId) {
        AtomicReference<Saga> last = new AtomicReference<>();
        await("saga " + sagaId + " to finish").atMost(SAGA_TIMEOUT).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    Saga saga = saga(sagaId);
                    last.set(saga);
                    assertThat(saga.status()).as("status of saga %s", sagaId).isNotEqualTo("RUNNING");
                });
        return last.get();
    }

    public StockLevel stock(String sku) {
        ResponseEntity<StockLevel> response = rest.getForEntity("/api/examples/stock/{sku}", StockLevel.class, sku);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        return response.getBody();
    }

    public Ledger ledger(String customerId) {
        ResponseEntity<Ledger> response = rest.getForEntity("/api/examples/ledger/{customerId}", Ledger.class,
                customerId);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        return response.getBody();
    }

    public List<Shipment> shipments(String orderId) {
        ResponseEntity<List<Shipment>> response = rest.exchange("/api/examples/shipments?orderId={orderId}",
                HttpMethod.GET, null, new ParameterizedTypeReference<>() { }, orderId);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        return response.getBody();
    }

    /**
     * Variables of a 1-unit order of {@code sku} with a fresh order and customer id, for
     * {@code POST /api/sagas/order-fulfillment}, with the simulations asked for.
     */
    public static Map<String, Object> orderVariables(String sku, String amount, String country, String... simulate) {
        Map<String, Object> variables = new java.util.LinkedHashMap<>();
        variables.put("orderId", fresh("order"));
        variables.put("customerId", fresh("customer"));
        variables.put("sku", sku);
        variables.put("quantity", 1);
        variables.put("amount", new BigDecimal(amount));
        variables.put("country", country);
        if (simulate.length > 0) {
            variables.put("simulate", List.of(simulate));
        }
        return variables;
    }

    /** An operator's Retry of the saga's (first) incident, through engine-rest, as Cockpit does it. */
    public void retryIncidentOf(String sagaId) {
        ResponseEntity<List<Map<String, Object>>> incidents = rest.exchange(
                "/engine-rest/incident?processInstanceId={id}", HttpMethod.GET, null,
                new ParameterizedTypeReference<>() { }, sagaId);
        assertThat(incidents.getBody()).as("incidents of saga %s", sagaId).isNotEmpty();
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        ResponseEntity<String> retried = rest.exchange("/engine-rest/job/{id}/retries", HttpMethod.PUT,
                new HttpEntity<>("{\"retries\":1}", headers), String.class,
                incidents.getBody().get(0).get("configuration"));
        assertThat(retried.getStatusCode()).as("retry: %s", retried.getBody()).isEqualTo(HttpStatus.NO_CONTENT);
    }

    /**
     * Takes the next reply waiting in the orchestrator's queue (its consumer stopped) if it belongs
     * to {@code sagaId}; one of another saga (an earlier test's late reply) goes back to the queue.
     */
    public static org.springframework.amqp.core.Message takeReplyOf(org.springframework.amqp.rabbit.core.RabbitTemplate rabbit,
                                                             String sagaId) {
        org.springframework.amqp.core.Message reply = rabbit.receive(
                io.sagaflow.contract.Topology.ORCHESTRATOR_REPLIES_QUEUE, 200);
        if (reply != null && !sagaId.equals(reply.getMessageProperties().getHeader("sagaflow-saga-id"))) {
            rabbit.send("", io.sagaflow.contract.Topology.ORCHESTRATOR_REPLIES_QUEUE, reply);
            return null;
        }
        return reply;
    }

    /** Asserts the status and a problem+json content type. */
    public static void assertProblemAnswer(ResponseEntity<String> response, HttpStatus status) {
        assertThat(response.getStatusCode()).as("status of %s", response.getBody()).isEqualTo(status);
        assertThat(response.getHeaders().getContentType()).isNotNull();
        assertThat(response.getHeaders().getContentType().isCompatibleWith(MediaType.APPLICATION_PROBLEM_JSON))
                .as("content type %s", response.getHeaders().getContentType()).isTrue();
    }

    /** Asserts a problem+json answer whose body names the same status. */
    public void assertProblem(ResponseEntity<String> response, HttpStatus status) {
        assertProblemAnswer(response, status);
        try {
            assertThat(readJson(response.getBody()).path("status").asInt()).isEqualTo(status.value());
        } catch (Exception e) {
            throw new AssertionError("problem body is not JSON: " + response.getBody(), e);
        }
    }

    /** Rows of the consumer's inbox with this message id: 1 once handled, never more. */
    public long inboxRows(String consumer, String messageId) {
        Long rows = jdbc.queryForObject(
                "SELECT COUNT(*) FROM sagaflow.inbox_message WHERE consumer = ? AND message_id = ?", Long.class,
                consumer, messageId);
        return rows == null ? 0 : rows;
    }

    /** Parked copies of the message. */
    public long parkedCopies(String messageId) {
        Long rows = jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.parked_message WHERE message_id = ?",
                Long.class, messageId);
        return rows == null ? 0 : rows;
    }

    /** A value as JSON text, with the service's own mapper; a text is taken as JSON already. */
    public String json(Object value) {
        try {
            return value instanceof String text ? text : objectMapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** A response or message body read as JSON. */
    public JsonNode readJson(String body) {
        try {
            return objectMapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + body, e);
        }
    }

    public JsonNode readJson(byte[] body) {
        try {
            return objectMapper.readTree(body);
        } catch (IOException e) {
            throw new IllegalArgumentException("not JSON: " + new String(body, StandardCharsets.UTF_8), e);
        }
    }

    /** POST of a raw JSON text, for bodies no Java object would serialize to. */
    public ResponseEntity<String> postJson(String path, String json, Object... uriVariables) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        return rest.exchange(path, HttpMethod.POST, new HttpEntity<>(json, headers), String.class, uriVariables);
    }
}
