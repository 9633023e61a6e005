package io.sagaflow.txmessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.testing.IntegrationTest;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.TxApi;

/**
 * All three techniques in one flow: the example shop writes its order and the OrderPlaced
 * transactional message in one local transaction; the committed message leaves through the outbox;
 * its consumer starts the order-fulfillment saga, which runs to COMPLETED.
 */
@IntegrationTest
@DisplayName("Shop orders through a transactional message")
class TxShopOrderIntegrationTests {

    private static final Duration SAGA_TIMEOUT = Duration.ofSeconds(30);
    private static final String SAGA_STARTER = "order-saga-starter";

    private final TxApi api;
    private final JdbcTemplate jdbc;
    private final RabbitTemplate rabbit;
    private final HistoryService history;
    private final MeterRegistry meters;

    private String customerId;
    private String sku;

    TxShopOrderIntegrationTests(TxApi api, JdbcTemplate jdbc, RabbitTemplate rabbit, HistoryService history,
                                MeterRegistry meters) {
        this.api = api;
        this.jdbc = jdbc;
        this.rabbit = rabbit;
        this.history = history;
        this.meters = meters;
    }

    @BeforeEach
    void setUp() {
        customerId = TxApi.fresh("customer");
        sku = "T-" + UUID.randomUUID();
        jdbc.update("INSERT INTO inventory.stock (sku, available, reserved) VALUES (?, 100, 0)", sku);
    }

    @Test
    @DisplayName("an order placed at the shop is stored, its OrderPlaced message committed, and its saga COMPLETED")
    void shopOrderStartsTheSagaThroughATransactionalMessage() {
        ResponseEntity<JsonNode> placed = api.post("/api/examples/shop/orders", order(3, "42.50"));

        assertThat(placed.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        String orderId = placed.getBody().path("orderId").asText();
        String messageId = placed.getBody().path("messageId").asText();
        assertThat(placed.getHeaders().getLocation()).hasToString("/api/examples/shop/orders/" + orderId);
        JsonNode shopOrder = api.get("/api/examples/shop/orders/{orderId}", orderId).getBody();
        assertThat(shopOrder.path("messageId").asText()).isEqualTo(messageId);
        assertThat(shopOrder.path("quantity").asInt()).isEqualTo(3);

        await("the OrderPlaced message committed").atMost(SAGA_TIMEOUT)
                .until(() -> "COMMITTED".equals(api.state(messageId)));
        String sagaId = awaitSagaOf(orderId);
        JsonNode saga = awaitFinished(sagaId);

        assertThat(saga.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(saga.path("processKey").asText()).isEqualTo("order-fulfillment");
        assertThat(saga.path("businessKey").asText()).isEqualTo(orderId);
        JsonNode stock = api.get("/api/examples/stock/{sku}", sku).getBody();
        assertThat(stock.path("reserved").asLong()).isEqualTo(3);
        assertThat(api.get("/api/examples/ledger/{customerId}", customerId).getBody().path("charged").decimalValue())
                .isEqualByComparingTo("42.50");
    }

    @Test
    @DisplayName("a redelivered OrderPlaced message starts no second saga")
    void redeliveredOrderPlacedStartsOneSaga() {
        ResponseEntity<JsonNode> placed = api.post("/api/examples/shop/orders", order(1, "10.00"));
        String orderId = placed.getBody().path("orderId").asText();
        String messageId = placed.getBody().path("messageId").asText();
        String sagaId = awaitSagaOf(orderId);
        double duplicatesBefore = duplicates();

        MessageProperties properties = new MessageProperties();
        properties.setMessageId(messageId);
        properties.setType("shop.order-placed");
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        String event = api.json(Map.of("orderId", orderId, "customerId", customerId, "sku", sku, "quantity", 1,
                "amount", 10.00, "country", "DE"));
        rabbit.send("sagaflow.events", "shop.order-placed",
                new Message(event.getBytes(StandardCharsets.UTF_8), properties));

        await("the copy skipped by the inbox").atMost(SAGA_TIMEOUT).until(() -> duplicates() > duplicatesBefore);
        assertThat(sagasOf(orderId)).extracting(HistoricProcessInstance::getId).containsExactly(sagaId);
        assertThat(awaitFinished(sagaId).path("status").asText()).isEqualTo("COMPLETED");
    }

    @Test
    @DisplayName("a second OrderPlaced for the same order (another message id) starts no saga; with other contents it is parked naming the saga")
    void secondOrderPlacedForOneOrderStartsNoSecondSaga() throws Exception {
        ResponseEntity<JsonNode> placed = api.post("/api/examples/shop/orders", order(1, "10.00"));
        String orderId = placed.getBody().path("orderId").asText();
        String sagaId = awaitSagaOf(orderId);
        Map<String, Object> event = new LinkedHashMap<>(Map.of("orderId", orderId, "customerId", customerId,
                "sku", sku, "quantity", 1, "amount", 10.00, "country", "DE"));

        String sameOrder = publishOrderPlaced(event);
        event.put("quantity", 2);
        String otherContents = publishOrderPlaced(event);

        await("the other contents parked").atMost(SAGA_TIMEOUT).until(() -> parkedReason(otherContents) != null);
        assertThat(parkedReason(otherContents)).contains(sagaId, "other input");
        await("the same order consumed").atMost(SAGA_TIMEOUT).until(() -> api.inboxRows(SAGA_STARTER, sameOrder) == 1);
        assertThat(parkedReason(sameOrder)).isNull();
        assertThat(sagasOf(orderId)).extracting(HistoricProcessInstance::getId).containsExactly(sagaId);
        assertThat(awaitFinished(sagaId).path("status").asText()).isEqualTo("COMPLETED");
    }

    private String publishOrderPlaced(Map<String, Object> event) {
        String messageId = TxApi.fresh("order-placed");
        MessageProperties properties = new MessageProperties();
        properties.setMessageId(messageId);
        properties.setType("shop.order-placed");
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        rabbit.send("sagaflow.events", "shop.order-placed",
                new Message(api.json(event).getBytes(StandardCharsets.UTF_8), properties));
        return messageId;
    }

    private String parkedReason(String messageId) {
        List<String> reasons = jdbc.queryForList("SELECT reason FROM sagaflow.parked_message WHERE message_id = ?",
                String.class, messageId);
        return reasons.isEmpty() ? null : reasons.get(0);
    }

    @Test
    @DisplayName("an invalid shop order is refused with 400 naming the field, and nothing is stored or sent")
    void invalidShopOrderIsRefused() {
        Long ordersBefore = jdbc.queryForObject("SELECT COUNT(*) FROM shop.orders", Long.class);

        ResponseEntity<JsonNode> response = api.post("/api/examples/shop/orders", order(0, "10.00"));

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(TxApi.problemFields(response)).containsExactly("quantity");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM shop.orders", Long.class)).isEqualTo(ordersBefore);
    }

    private Map<String, Object> order(int quantity, String amount) {
        Map<String, Object> order = new LinkedHashMap<>();
        order.put("customerId", customerId);
        order.put("sku", sku);
        order.put("quantity", quantity);
        order.put("amount", new java.math.BigDecimal(amount));
        order.put("country", "DE");
        return order;
    }

    private List<HistoricProcessInstance> sagasOf(String orderId) {
        return history.createHistoricProcessInstanceQuery().processInstanceBusinessKey(orderId).list();
    }

    private String awaitSagaOf(String orderId) {
        await("the saga of order " + orderId).atMost(SAGA_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> !sagasOf(orderId).isEmpty());
        List<HistoricProcessInstance> sagas = sagasOf(orderId);
        assertThat(sagas).hasSize(1);
        return sagas.get(0).getId();
    }

    private JsonNode awaitFinished(String sagaId) {
        JsonNode[] last = new JsonNode[1];
        await("saga " + sagaId + " to finish").atMost(SAGA_TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    last[0] = api.get("/api/sagas/{id}", sagaId).getBody();
                    return !"RUNNING".equals(last[0].path("status").asText());
                });
        return last[0];
    }

    private double duplicates() {
        Counter counter = meters.find("sagaflow.inbox.duplicates").tag("consumer", SAGA_STARTER).counter();
        return counter == null ? 0 : counter.count();
    }
}
