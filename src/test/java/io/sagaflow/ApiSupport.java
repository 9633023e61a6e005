package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

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
 */
final class ApiSupport {

    /** Generous: a saga runs several async steps through the job executor and the broker. */
    static final Duration SAGA_TIMEOUT = Duration.ofSeconds(30);

    private final TestRestTemplate rest;

    ApiSupport(TestRestTemplate rest, String adminUser, String adminPassword) {
        this.rest = rest.withBasicAuth(adminUser, adminPassword);
    }

    record OrderRequest(String customerId, String sku, Integer quantity, BigDecimal amount, String country) {
    }

    record StartedSaga(String sagaId, String businessKey) {
    }

    record Saga(String sagaId, String processKey, String businessKey, String status, List<String> completedSteps,
                List<String> compensatedSteps) {
    }

    record StockLevel(String sku, long available, long reserved) {
    }

    record Ledger(String customerId, BigDecimal charged, BigDecimal refunded) {
    }

    record Shipment(String shipmentId, String orderId, String sku, long quantity, String country, String status) {
    }

    static String fresh(String prefix) {
        return prefix + "-" + UUID.randomUUID();
    }

    /**
     * A SKU row of this test alone, so its stock numbers are exact even though the database
     * persists between runs and the seeded SKUs are shared with other tests.
     */
    static String freshSku(JdbcTemplate jdbc, long available) {
        String sku = fresh("T");
        jdbc.update("INSERT INTO inventory.stock (sku, available, reserved) VALUES (?, ?, 0)", sku, available);
        return sku;
    }

    TestRestTemplate rest() {
        return rest;
    }

    /** POST /api/orders, asserting the 202 and the Location of the new saga. */
    StartedSaga placeOrder(OrderRequest order) {
        ResponseEntity<StartedSaga> response = rest.postForEntity("/api/orders", order, StartedSaga.class);
        return accepted(response);
    }

    /** POST /api/sagas/{processKey} with the variables, asserting the 202 and the Location. */
    StartedSaga startSaga(String processKey, Map<String, Object> variables) {
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

    Saga saga(String sagaId) {
        ResponseEntity<Saga> response = rest.getForEntity("/api/sagas/{id}", Saga.class, sagaId);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        return response.getBody();
    }

    /** Polls the saga until it is no longer RUNNING and returns that view (the caller asserts the status). */
    Saga awaitFinished(String sagaId) {
        AtomicReference<Saga> last = new AtomicReference<>();
        await("saga " + sagaId + " to finish").atMost(SAGA_TIMEOUT).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    Saga saga = saga(sagaId);
                    last.set(saga);
                    assertThat(saga.status()).as("status of saga %s", sagaId).isNotEqualTo("RUNNING");
                });
        return last.get();
    }

    StockLevel stock(String sku) {
        ResponseEntity<StockLevel> response = rest.getForEntity("/api/examples/stock/{sku}", StockLevel.class, sku);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        return response.getBody();
    }

    Ledger ledger(String customerId) {
        ResponseEntity<Ledger> response = rest.getForEntity("/api/examples/ledger/{customerId}", Ledger.class,
                customerId);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        return response.getBody();
    }

    List<Shipment> shipments(String orderId) {
        ResponseEntity<List<Shipment>> response = rest.exchange("/api/examples/shipments?orderId={orderId}",
                HttpMethod.GET, null, new ParameterizedTypeReference<>() { }, orderId);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        return response.getBody();
    }

    /**
     * Variables of a 1-unit order of {@code sku} with a fresh order and customer id, for
     * {@code POST /api/sagas/order-fulfillment}, with the simulations asked for.
     */
    static Map<String, Object> orderVariables(String sku, String amount, String country, String... simulate) {
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
    void retryIncidentOf(String sagaId) {
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
    static org.springframework.amqp.core.Message takeReplyOf(org.springframework.amqp.rabbit.core.RabbitTemplate rabbit,
                                                             String sagaId) {
        org.springframework.amqp.core.Message reply = rabbit.receive(
                io.sagaflow.messaging.Topology.ORCHESTRATOR_REPLIES_QUEUE, 200);
        if (reply != null && !sagaId.equals(reply.getMessageProperties().getHeader("sagaflow-saga-id"))) {
            rabbit.send("", io.sagaflow.messaging.Topology.ORCHESTRATOR_REPLIES_QUEUE, reply);
            return null;
        }
        return reply;
    }

    /** POST of a raw JSON text, for bodies no Java object would serialize to. */
    ResponseEntity<String> postJson(String path, String json, Object... uriVariables) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        return rest.exchange(path, HttpMethod.POST, new HttpEntity<>(json, headers), String.class, uriVariables);
    }
}
