package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import io.sagaflow.testing.ApiSupport.Ledger;
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

/**
 * The front door is effectively-once: a start retried with the same business key, or with the same
 * {@code Idempotency-Key}, starts one saga, however many callers race, and the database decides.
 */
@IntegrationTest
@DisplayName("Idempotent saga start")
class SagaStartIdempotencyIntegrationTests {

    private static final String PROCESS = "order-fulfillment";
    private static final int CONCURRENT_CALLERS = 32;

    private final ApiSupport api;
    private final JdbcTemplate jdbc;

    private String customerId;
    private String sku;

    SagaStartIdempotencyIntegrationTests(ApiSupport api, JdbcTemplate jdbc) {
        this.api = api;
        this.jdbc = jdbc;
    }

    @BeforeEach
    void setUp() {
        customerId = ApiSupport.fresh("customer");
        sku = api.freshSku(1_000);
    }

    @Test
    @DisplayName("the same order id posted twice starts one saga: one charge, one shipment, and 200 naming it")
    void sameOrderIdTwiceStartsOneSaga() throws Exception {
        Map<String, Object> order = order(ApiSupport.fresh("order"), "42.50");

        ResponseEntity<JsonNode> first = post("/api/orders", order, null);
        ResponseEntity<JsonNode> second = post("/api/orders", order, null);

        assertThat(first.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(second.getStatusCode()).isEqualTo(HttpStatus.OK);
        String sagaId = first.getBody().path("sagaId").asText();
        assertThat(second.getBody().path("sagaId").asText()).isEqualTo(sagaId);
        assertThat(second.getBody().path("businessKey").asText()).isEqualTo(order.get("orderId"));
        assertThat(second.getHeaders().getLocation()).hasToString("/api/sagas/" + sagaId);
        assertThat(api.awaitFinished(sagaId).status()).isEqualTo("COMPLETED");

        ResponseEntity<JsonNode> afterEnd = post("/api/orders", order, null);
        assertThat(afterEnd.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(afterEnd.getBody().path("sagaId").asText()).isEqualTo(sagaId);
        assertThat(afterEnd.getBody().path("status").asText()).isEqualTo("COMPLETED");
        Ledger ledger = api.ledger(customerId);
        assertThat(ledger.charged()).isEqualByComparingTo("42.50");
        assertThat(api.shipments((String) order.get("orderId"))).hasSize(1);
        assertThat(sagasInEngine((String) order.get("orderId"))).isEqualTo(1);
    }

    @Test
    @DisplayName("32 concurrent starts with one business key start exactly one saga, and 31 answers name it")
    void concurrentStartsWithOneKeyStartOneSaga() throws Exception {
        String orderId = ApiSupport.fresh("order");
        Map<String, Object> variables = order(orderId, "10.00");

        List<ResponseEntity<JsonNode>> answers = concurrently(() -> post("/api/sagas/" + PROCESS, variables, null));

        assertThat(answers).extracting(ResponseEntity::getStatusCode)
                .as("answers: %s", answers)
                .containsOnly(HttpStatus.ACCEPTED, HttpStatus.OK)
                .filteredOn(HttpStatus.ACCEPTED::equals).hasSize(1);
        assertThat(answers).extracting(answer -> answer.getBody().path("sagaId").asText()).containsOnly(
                answers.get(0).getBody().path("sagaId").asText());
        assertThat(sagasInEngine(orderId)).isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.saga WHERE business_key = ?", Long.class,
                orderId)).isEqualTo(1);
        String sagaId = answers.get(0).getBody().path("sagaId").asText();
        assertThat(api.awaitFinished(sagaId).status()).isEqualTo("COMPLETED");
        assertThat(api.ledger(customerId).charged()).isEqualByComparingTo("10.00");
    }

    @Test
    @DisplayName("the same business key with other input answers 409 problem+json naming the existing saga")
    void sameKeyOtherInputIsAConflict() throws Exception {
        String orderId = ApiSupport.fresh("order");
        ResponseEntity<JsonNode> first = post("/api/sagas/" + PROCESS, order(orderId, "10.00"), null);

        ResponseEntity<JsonNode> other = post("/api/sagas/" + PROCESS, order(orderId, "11.00"), null);

        assertThat(other.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);
        assertThat(other.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        String sagaId = first.getBody().path("sagaId").asText();
        assertThat(other.getBody().path("sagaId").asText()).isEqualTo(sagaId);
        assertThat(other.getBody().path("detail").asText()).contains(sagaId, orderId);
        assertThat(sagasInEngine(orderId)).isEqualTo(1);
    }

    @Test
    @DisplayName("an Idempotency-Key replays the first answer; the same key with another body answers 422")
    void idempotencyKeyReplaysTheFirstAnswer() throws Exception {
        String key = ApiSupport.fresh("key");
        Map<String, Object> order = order(null, "12.00"); // no order id: only the key makes a retry safe

        ResponseEntity<JsonNode> first = post("/api/orders", order, key);
        ResponseEntity<JsonNode> retry = post("/api/orders", order, key);
        ResponseEntity<JsonNode> otherBody = post("/api/orders", order(null, "13.00"), key);

        assertThat(first.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(retry.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(retry.getHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        assertThat(retry.getBody().path("sagaId").asText()).isEqualTo(first.getBody().path("sagaId").asText());
        assertThat(retry.getHeaders().getLocation()).isEqualTo(first.getHeaders().getLocation());
        assertThat(otherBody.getStatusCode()).isEqualTo(HttpStatus.UNPROCESSABLE_ENTITY);
        assertThat(otherBody.getBody().path("errors").findValuesAsText("field")).containsExactly("Idempotency-Key");
        assertThat(api.awaitFinished(first.getBody().path("sagaId").asText()).status()).isEqualTo("COMPLETED");
        assertThat(api.ledger(customerId).charged()).isEqualByComparingTo("12.00");
    }

    @Test
    @DisplayName("32 concurrent requests with one Idempotency-Key and no order id start one saga")
    void concurrentRequestsWithOneIdempotencyKeyStartOneSaga() throws Exception {
        String key = ApiSupport.fresh("key");
        Map<String, Object> order = order(null, "14.00");

        List<ResponseEntity<JsonNode>> answers = concurrently(() -> post("/api/orders", order, key));

        assertThat(answers).extracting(ResponseEntity::getStatusCode).as("answers: %s", answers)
                .containsOnly(HttpStatus.ACCEPTED);
        String sagaId = answers.get(0).getBody().path("sagaId").asText();
        assertThat(answers).extracting(answer -> answer.getBody().path("sagaId").asText()).containsOnly(sagaId);
        assertThat(api.awaitFinished(sagaId).status()).isEqualTo("COMPLETED");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM payment.ledger WHERE customer_id = ?", Long.class,
                customerId)).isEqualTo(1);
        assertThat(api.ledger(customerId).charged()).isEqualByComparingTo("14.00");
    }

    @Test
    @DisplayName("an Idempotency-Key of more than 255 characters answers 400 naming the header")
    void overlongIdempotencyKeyIsRefused() throws Exception {
        ResponseEntity<JsonNode> answer = post("/api/orders", order(null, "15.00"), "k".repeat(256));

        assertThat(answer.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(answer.getBody().path("errors").findValuesAsText("field")).containsExactly("Idempotency-Key");
    }

    @Test
    @DisplayName("engine-rest starts go through the same guard: a second start of a business key is refused, naming it")
    void engineRestStartIsGuardedToo() throws Exception {
        String orderId = ApiSupport.fresh("order");
        ResponseEntity<JsonNode> first = post("/api/sagas/" + PROCESS, order(orderId, "16.00"), null);
        assertThat(first.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);

        Map<String, Object> engineStart = Map.of("businessKey", orderId,
                "variables", Map.of("orderId", Map.of("value", orderId, "type", "String")));
        ResponseEntity<JsonNode> bypass = post("/engine-rest/process-definition/key/" + PROCESS + "/start",
                engineStart, null);

        // engine-rest answers every refused start with 500; the message says why.
        assertThat(bypass.getStatusCode()).as("engine-rest answer %s", bypass)
                .isEqualTo(HttpStatus.INTERNAL_SERVER_ERROR);
        assertThat(bypass.getBody().path("message").asText()).contains(orderId, "a business key starts one saga");
        assertThat(sagasInEngine(orderId)).isEqualTo(1);
    }

    @Test
    @DisplayName("the shop replays an order placed twice with one Idempotency-Key: one order, one saga")
    void shopOrderWithIdempotencyKeyIsPlacedOnce() throws Exception {
        String key = ApiSupport.fresh("key");
        Map<String, Object> order = order(null, "17.00");

        ResponseEntity<JsonNode> first = post("/api/examples/shop/orders", order, key);
        ResponseEntity<JsonNode> retry = post("/api/examples/shop/orders", order, key);
        ResponseEntity<JsonNode> otherBody = post("/api/examples/shop/orders", order(null, "18.00"), key);

        assertThat(first.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(retry.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(retry.getHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        String orderId = first.getBody().path("orderId").asText();
        assertThat(retry.getBody().path("orderId").asText()).isEqualTo(orderId);
        assertThat(retry.getBody().path("messageId").asText()).isEqualTo(first.getBody().path("messageId").asText());
        assertThat(otherBody.getStatusCode()).isEqualTo(HttpStatus.UNPROCESSABLE_ENTITY);
        await("the order's saga").atMost(ApiSupport.SAGA_TIMEOUT).until(() -> sagasInEngine(orderId) == 1);
        String sagaId = jdbc.queryForObject("SELECT saga_id FROM sagaflow.saga WHERE business_key = ?", String.class,
                orderId);
        assertThat(api.awaitFinished(sagaId).status()).isEqualTo("COMPLETED");
        assertThat(api.ledger(customerId).charged()).isEqualByComparingTo("17.00");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM shop.orders WHERE customer_id = ?", Long.class,
                customerId)).isEqualTo(1);
    }

    // --- helpers --------------------------------------------------------------------------

    private Map<String, Object> order(String orderId, String amount) {
        Map<String, Object> order = new LinkedHashMap<>();
        if (orderId != null) {
            order.put("orderId", orderId);
        }
        order.put("customerId", customerId);
        order.put("sku", sku);
        order.put("quantity", 1);
        order.put("amount", new BigDecimal(amount));
        order.put("country", "DE");
        return order;
    }

    private ResponseEntity<JsonNode> post(String path, Object body, String idempotencyKey) throws Exception {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        if (idempotencyKey != null) {
            headers.set("Idempotency-Key", idempotencyKey);
        }
        ResponseEntity<String> answer = api.rest().exchange(path, HttpMethod.POST,
                new HttpEntity<>(api.json(body), headers), String.class);
        JsonNode json = answer.getBody() == null ? NullNode.getInstance() : api.readJson(answer.getBody());
        return new ResponseEntity<>(json, answer.getHeaders(), answer.getStatusCode());
    }

    private interface Call {
        ResponseEntity<JsonNode> call() throws Exception;
    }

    /** Runs the call from {@value #CONCURRENT_CALLERS} threads released at the same moment. */
    private static List<ResponseEntity<JsonNode>> concurrently(Call call) throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(CONCURRENT_CALLERS);
        try {
            CountDownLatch gate = new CountDownLatch(1);
            List<Future<ResponseEntity<JsonNode>>> futures = new ArrayList<>();
            for (int i = 0; i < CONCURRENT_CALLERS; i++) {
                futures.add(callers.submit(() -> {
                    gate.await();
                    return call.call();
                }));
            }
            gate.countDown();
            List<ResponseEntity<JsonNode>> answers = new ArrayList<>();
            for (Future<ResponseEntity<JsonNode>> future : futures) {
                answers.add(future.get());
            }
            return answers;
        } finally {
            callers.shutdownNow();
        }
    }

    private long sagasInEngine(String businessKey) {
        Long count = jdbc.queryForObject("SELECT COUNT(*) FROM ACT_HI_PROCINST WHERE BUSINESS_KEY_ = ?", Long.class,
                businessKey);
        return count == null ? 0 : count;
    }
}
