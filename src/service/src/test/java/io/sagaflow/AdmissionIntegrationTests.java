package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.sagaflow.testing.ApiSupport.OrderRequest;
import io.sagaflow.testing.ApiSupport.StartedSaga;
import io.sagaflow.admission.Admission;
import io.sagaflow.contract.Topology;
import io.sagaflow.saga.SagaMessages;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
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
 * Backpressure at the front door (docs/architecture.md#admission): while replies pile up in the
 * orchestrator's queue, new starts are refused at once with 503 and {@code Retry-After}, leaving
 * nothing behind; a start from an event waits in its queue; once the backlog is read, the same
 * requests start their sagas exactly once.
 *
 * <p>The backlog is real and harmless: copies of a reply the orchestrator already consumed, under
 * its message id, published to its queue while its consumer is stopped (the inbox skips them when
 * it runs again).
 */
@IntegrationTest
@DisplayName("Admission of new sagas")
class AdmissionIntegrationTests {

    private static final Duration SHEDDING_TIMEOUT = Duration.ofSeconds(10);

    private final ApiSupport api;
    private final JdbcTemplate jdbc;
    private final RabbitTemplate rabbit;
    private final Admission admission;
    private final SagaMessages sagaMessages;
    private final SimpleMessageListenerContainer replyListener;
    @Value("${sagaflow.admission.max-reply-backlog}")
    private int maxReplyBacklog;

    AdmissionIntegrationTests(ApiSupport api, JdbcTemplate jdbc, RabbitTemplate rabbit, Admission admission,
                              SagaMessages sagaMessages,
                              @Qualifier("replyListener") SimpleMessageListenerContainer replyListener) {
        this.api = api;
        this.jdbc = jdbc;
        this.rabbit = rabbit;
        this.admission = admission;
        this.sagaMessages = sagaMessages;
        this.replyListener = replyListener;
    }

    @AfterEach
    void consumeReplies() {
        if (!replyListener.isRunning()) {
            replyListener.start();
        }
    }

    @Test
    @DisplayName("past the reply backlog, starts are refused at once with Retry-After and leave nothing; queued starts wait; afterwards each starts once")
    void refusesNewWorkWhileRepliesWait() {
        String sku = api.freshSku(100);
        String customerId = ApiSupport.fresh("customer");
        Message consumedReply = aConsumedReply(sku, customerId);

        replyListener.stop();
        fallBehind(rabbit, consumedReply, maxReplyBacklog);
        await("shedding load").atMost(SHEDDING_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> admission.state().shedding());

        String orderId = ApiSupport.fresh("order");
        String key = ApiSupport.fresh("key");
        ResponseEntity<String> refused = placeOrder(orderId, customerId, sku, key);
        assertThat(refused.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(refused.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(Long.parseLong(refused.getHeaders().getFirst(HttpHeaders.RETRY_AFTER))).isBetween(1L, 30L);
        JsonNode problem = api.readJson(refused.getBody());
        assertThat(problem.path("detail").asText()).contains("sheds load", Topology.ORCHESTRATOR_REPLIES_QUEUE);
        assertThat(problem.path("retryAfterSeconds").asLong()).isPositive();
        assertThat(sagasOf(orderId)).as("sagas of the refused order").isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.idempotency_key WHERE idem_key = ?",
                Long.class, key)).as("stored answers of the refused key").isZero();
        ResponseEntity<String> refusedGeneric = api.postJson("/api/sagas/{key}",
                api.json(Map.of("orderId", ApiSupport.fresh("order"))), "order-fulfillment");
        assertThat(refusedGeneric.getStatusCode()).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
        assertThat(refusedGeneric.getHeaders().getFirst(HttpHeaders.RETRY_AFTER)).isNotBlank();

        JsonNode health = api.rest().getForEntity("/actuator/health/admission", JsonNode.class).getBody();
        assertThat(health.path("status").asText()).as("shedding is not a failure").isEqualTo("UP");
        assertThat(health.path("details").path("state").asText()).isEqualTo("SHEDDING_LOAD");
        assertThat(health.path("details").path("replyBacklog").asLong()).isGreaterThan(maxReplyBacklog);
        SagaMessages.Overview overview = sagaMessages.overview(); // what Cockpit's dashboard shows
        assertThat(overview.sheddingLoad()).isTrue();
        assertThat(overview.sheddingReason()).contains("replies wait");

        // An event that starts a saga waits in its queue meanwhile: no saga, not parked.
        String queuedOrderId = ApiSupport.fresh("order");
        String eventId = publishOrderPlaced(queuedOrderId, customerId, sku);
        await("the queued start waits").during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3))
                .until(() -> sagasOf(queuedOrderId) == 0 && api.parkedCopies(eventId) == 0);

        replyListener.start();
        await("admitting again").atMost(SHEDDING_TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> !admission.state().shedding());

        ResponseEntity<String> accepted = placeOrder(orderId, customerId, sku, key);
        assertThat(accepted.getStatusCode()).as(accepted.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        ResponseEntity<String> replayed = placeOrder(orderId, customerId, sku, key);
        assertThat(replayed.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(replayed.getHeaders().getFirst("Idempotent-Replayed")).isEqualTo("true");
        String sagaId = api.readJson(accepted.getBody()).path("sagaId").asText();
        assertThat(api.awaitFinished(sagaId).status()).isEqualTo("COMPLETED");
        await("the queued start ran").atMost(ApiSupport.SAGA_TIMEOUT).until(() -> sagasOf(queuedOrderId) == 1);
        assertThat(sagasOf(orderId)).as("sagas of the order retried as told").isEqualTo(1);
        assertThat(api.parkedCopies(consumedReply.getMessageProperties().getMessageId()))
                .as("copies of the consumed reply parked").isZero();
    }

    /**
     * Publishes more copies of a consumed reply than {@code maxReplyBacklog} to the orchestrator's
     * queue (its consumer stopped): a real backlog that changes nothing when it is read (the inbox
     * skips every copy).
     */
    static void fallBehind(RabbitTemplate rabbit, Message consumedReply, int maxReplyBacklog) {
        for (int copy = 0; copy <= maxReplyBacklog + 20; copy++) {
            rabbit.send(Topology.REPLIES_EXCHANGE, Topology.ORCHESTRATOR_REPLY_KEY, consumedReply);
        }
    }

    private Message aConsumedReply(String sku, String customerId) {
        return aConsumedReply(api, jdbc, sku, customerId);
    }

    /** A reply of a completed saga that the orchestrator consumed, as it came over the wire. */
    static Message aConsumedReply(ApiSupport api, JdbcTemplate jdbc, String sku, String customerId) {
        StartedSaga saga = api.placeOrder(new OrderRequest(customerId, sku, 1, new BigDecimal("10.00"), "DE"));
        assertThat(api.awaitFinished(saga.sagaId()).status()).isEqualTo("COMPLETED");
        Map<String, Object> reply = jdbc.queryForMap("""
                SELECT o.message_id, o.message_type, o.correlation_id, o.payload FROM sagaflow.outbox_message o
                JOIN sagaflow.saga_step s ON s.command_id = o.correlation_id
                WHERE s.saga_id = ? AND o.message_type LIKE '%.reply'
                ORDER BY o.seq LIMIT 1
                """, saga.sagaId());
        String messageId = (String) reply.get("message_id");
        assertThat(jdbc.queryForObject("SELECT status FROM sagaflow.saga_step WHERE command_id = ?", String.class,
                reply.get("correlation_id"))).as("the reply was consumed: its step answered").isEqualTo("SUCCEEDED");
        MessageProperties properties = new MessageProperties();
        properties.setMessageId(messageId);
        properties.setType((String) reply.get("message_type"));
        properties.setCorrelationId((String) reply.get("correlation_id"));
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        return new Message(((String) reply.get("payload")).getBytes(StandardCharsets.UTF_8), properties);
    }

    private ResponseEntity<String> placeOrder(String orderId, String customerId, String sku, String idempotencyKey) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.set("Idempotency-Key", idempotencyKey);
        Map<String, Object> order = new LinkedHashMap<>();
        order.put("orderId", orderId);
        order.put("customerId", customerId);
        order.put("sku", sku);
        order.put("quantity", 1);
        order.put("amount", new BigDecimal("12.00"));
        order.put("country", "DE");
        return api.rest().exchange("/api/orders", HttpMethod.POST, new HttpEntity<>(api.json(order), headers),
                String.class);
    }

    private String publishOrderPlaced(String orderId, String customerId, String sku) {
        String messageId = ApiSupport.fresh("order-placed");
        MessageProperties properties = new MessageProperties();
        properties.setMessageId(messageId);
        properties.setType("shop.order-placed");
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        String event = api.json(Map.of("orderId", orderId, "customerId", customerId, "sku", sku, "quantity", 1,
                "amount", 11.00, "country", "DE"));
        rabbit.send(Topology.EVENTS_EXCHANGE, "shop.order-placed",
                new Message(event.getBytes(StandardCharsets.UTF_8), properties));
        return messageId;
    }

    private long sagasOf(String orderId) {
        Long count = jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.saga WHERE business_key = ?", Long.class,
                orderId);
        return count == null ? 0 : count;
    }
}
