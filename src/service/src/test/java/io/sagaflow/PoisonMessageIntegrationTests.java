package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.testing.ApiSupport.OrderRequest;
import io.sagaflow.testing.ApiSupport.StockLevel;
import io.sagaflow.contract.Operation;
import io.sagaflow.contract.Outcome;
import io.sagaflow.contract.ReplyBody;
import io.sagaflow.contract.SagaHeaders;
import io.sagaflow.contract.Topology;
import io.sagaflow.messaging.MessagingProperties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.CaptureQueues;
import io.sagaflow.testing.IntegrationTest;

/**
 * Messages no handler can process, published raw with the application's own RabbitTemplate to the
 * inventory participant's queue and to the orchestrator's reply queue: each is parked with a reason
 * that names the problem, counted, listed by the repair API, and the consumer goes on consuming.
 * Every message carries a unique correlation id (the marker by which the test finds its parked row);
 * the rows this test parks are deleted afterwards so that the list API stays short on the shared
 * database.
 */
@IntegrationTest
@DisplayName("Poison messages")
class PoisonMessageIntegrationTests {

    private static final String INVENTORY = "inventory";
    private static final String ORCHESTRATOR = "orchestrator";
    private static final String RESERVE = "inventory.reserve";
    private static final String STEP = "Task_ReserveStock";
    private static final long INITIAL_STOCK = 100;
    private static final Duration PARK_TIMEOUT = Duration.ofSeconds(20);
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(15);

    /** One kind of unprocessable message, where it goes and what the reason must name. */
    enum Poison {
        COMMAND_BODY_NOT_JSON(INVENTORY, "command body is not JSON"),
        COMMAND_TYPE_WITHOUT_HANDLER(INVENTORY, "participant inventory has no handler for inventory.teleport"),
        COMMAND_WITHOUT_SAGA_ID_HEADER(INVENTORY, "missing header " + SagaHeaders.SAGA_ID),
        COMMAND_WITHOUT_MESSAGE_ID(INVENTORY, "missing message_id"),
        COMMAND_OVER_THE_SIZE_LIMIT(INVENTORY, "exceeds the limit of"),
        REPLY_BODY_NOT_JSON(ORCHESTRATOR, "reply body is not a valid reply"),
        REPLY_WITHOUT_MESSAGE_ID(ORCHESTRATOR, "missing message_id"),
        REPLY_OVER_THE_SIZE_LIMIT(ORCHESTRATOR, "exceeds the limit of"),
        REPLY_TO_A_COMMAND_NO_SAGA_STEP_SENT(ORCHESTRATOR, "no saga step sent command");

        final String consumer;
        final String reason;

        Poison(String consumer, String reason) {
            this.consumer = consumer;
            this.reason = reason;
        }

        String queue() {
            return consumer.equals(INVENTORY) ? Topology.participantQueue(INVENTORY)
                    : Topology.ORCHESTRATOR_REPLIES_QUEUE;
        }

        boolean withMessageId() {
            return this != COMMAND_WITHOUT_MESSAGE_ID && this != REPLY_WITHOUT_MESSAGE_ID;
        }

        boolean oversized() {
            return this == COMMAND_OVER_THE_SIZE_LIMIT || this == REPLY_OVER_THE_SIZE_LIMIT;
        }
    }

    @RegisterExtension
    final CaptureQueues queues = new CaptureQueues();

    private final ApiSupport api;
    private final RabbitTemplate rabbit;
    private final JdbcTemplate jdbc;
    private final ObjectMapper objectMapper;
    private final MeterRegistry meters;
    private final MessagingProperties messaging;

    private String replyQueue;
    private String sagaId;
    private String sku;
    private final List<String> markers = new ArrayList<>();

    PoisonMessageIntegrationTests(ApiSupport api, RabbitTemplate rabbit, JdbcTemplate jdbc, ObjectMapper objectMapper,
                                  MeterRegistry meters, MessagingProperties messaging) {
        this.api = api;
        this.rabbit = rabbit;
        this.jdbc = jdbc;
        this.objectMapper = objectMapper;
        this.meters = meters;
        this.messaging = messaging;
    }

    @BeforeEach
    void setUp() {
        replyQueue = queues.bind("sagaflow.test.replies", new DirectExchange(Topology.REPLIES_EXCHANGE));
        sagaId = ApiSupport.fresh("fake-saga");
        sku = api.freshSku(INITIAL_STOCK);
    }

    @AfterEach
    void cleanUp() {
        markers.forEach(marker -> jdbc.update("DELETE FROM sagaflow.parked_message WHERE correlation_id = ?", marker));
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Poison.class)
    @DisplayName("an unprocessable message is parked with a reason naming the problem, counted and listed, and the consumer keeps consuming")
    void poisonMessageIsParkedAndTheConsumerKeepsConsuming(Poison poison) throws Exception {
        double parkedBefore = parkedCount(poison.consumer);
        Outgoing message = poisonMessage(poison);

        publish(message);

        Map<String, Object> row = awaitParked(message.marker());
        assertThat((String) row.get("reason")).as("reason").contains(poison.reason);
        assertThat(row.get("consumer")).isEqualTo(poison.consumer);
        assertThat(row.get("queue")).isEqualTo(poison.queue());
        assertThat(row.get("message_id")).isEqualTo(message.message().getMessageProperties().getMessageId());
        assertThat(row.get("message_type")).isEqualTo(message.message().getMessageProperties().getType());
        assertThat(row.get("payload")).as("stored body")
                .isEqualTo(poison.oversized() ? null : new String(message.message().getBody(), StandardCharsets.UTF_8));
        if (poison == Poison.REPLY_TO_A_COMMAND_NO_SAGA_STEP_SENT) {
            assertThat((String) row.get("reason")).endsWith(message.marker());
        }
        if (poison.oversized()) {
            assertThat((String) row.get("reason")).contains(message.message().getBody().length + " bytes",
                    messaging.maxPayloadBytes() + " bytes");
        }
        assertThat(parkedCount(poison.consumer)).as("sagaflow.messages.parked{consumer=%s}", poison.consumer)
                .isGreaterThanOrEqualTo(parkedBefore + 1);

        JsonNode listed = listedParkedMessage(((Number) row.get("id")).longValue());
        assertThat(listed.path("consumer").asText()).isEqualTo(poison.consumer);
        assertThat(listed.path("queue").asText()).isEqualTo(poison.queue());
        assertThat(listed.path("reason").asText()).contains(poison.reason);
        assertThat(listed.path("correlationId").asText()).isEqualTo(message.marker());

        // The consumer still runs: a valid saga through both the inventory and the orchestrator completes.
        assertValidOrderCompletes();
        assertThat(parkedRows(message.marker())).as("parked copies").hasSize(1);
        assertThat(api.stock(sku)).as("stock of the poison command's SKU").isEqualTo(
                new StockLevel(sku, INITIAL_STOCK, 0));
        // Watched for a while: a reply written late would not be on the queue at the first look.
        assertThat(queues.receive(replyQueue, Duration.ofSeconds(2))).as("a reply to the poison message")
                .isNull();
    }

    @Test
    @DisplayName("a replayed message that is still unprocessable leaves the table, goes through the outbox and the broker, and is parked again under a new id")
    void replayedStillInvalidMessageIsParkedAgain() throws Exception {
        Outgoing message = poisonMessage(Poison.COMMAND_TYPE_WITHOUT_HANDLER);
        String messageId = message.message().getMessageProperties().getMessageId();
        publish(message);
        long firstId = id(awaitParked(message.marker()));
        double parkedBefore = parkedCount(INVENTORY);

        ResponseEntity<String> replay = replay(firstId);

        assertThat(replay.getStatusCode()).as("replay: %s", replay.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        await("the replayed message parked again").atMost(PARK_TIMEOUT)
                .until(() -> parkedRows(message.marker()).stream().anyMatch(row -> id(row) != firstId));
        List<Map<String, Object>> rows = parkedRows(message.marker());
        assertThat(rows).as("parked rows after the replay").singleElement().satisfies(row -> {
            assertThat(id(row)).isNotEqualTo(firstId);
            assertThat(row.get("message_id")).isEqualTo(messageId);
            assertThat(row.get("message_type")).isEqualTo("inventory.teleport");
            assertThat(row.get("queue")).isEqualTo(Topology.participantQueue(INVENTORY));
            assertThat((String) row.get("reason")).contains(Poison.COMMAND_TYPE_WITHOUT_HANDLER.reason);
            assertThat(row.get("payload")).isEqualTo(new String(message.message().getBody(), StandardCharsets.UTF_8));
        });
        // Through the outbox: published to the default exchange, straight to the queue it came from.
        Map<String, Object> outboxRow = jdbc.queryForMap("""
                SELECT exchange, routing_key, message_type, status FROM sagaflow.outbox_message WHERE message_id = ?
                """, messageId);
        assertThat(outboxRow.get("exchange")).isEqualTo("");
        assertThat(outboxRow.get("routing_key")).isEqualTo(Topology.participantQueue(INVENTORY));
        assertThat(outboxRow.get("message_type")).isEqualTo("inventory.teleport");
        assertThat(outboxRow.get("status")).isEqualTo("SENT");
        assertThat(parkedCount(INVENTORY)).isGreaterThanOrEqualTo(parkedBefore + 1);
        assertThat(listedParkedIds()).contains(id(rows.get(0))).doesNotContain(firstId);
    }

    @Test
    @DisplayName("a message parked again after a replay can be replayed again")
    void reparkedMessageCanBeReplayedAgain() throws Exception {
        Outgoing message = poisonMessage(Poison.COMMAND_TYPE_WITHOUT_HANDLER);
        publish(message);
        long firstId = id(awaitParked(message.marker()));
        assertThat(replay(firstId).getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        await("parked again").atMost(PARK_TIMEOUT)
                .until(() -> parkedRows(message.marker()).stream().anyMatch(row -> id(row) != firstId));
        long secondId = id(parkedRows(message.marker()).get(0));

        ResponseEntity<String> again = replay(secondId);

        assertThat(again.getStatusCode()).as("second replay of the same message: %s", again.getBody())
                .isEqualTo(HttpStatus.ACCEPTED);
        await("parked a third time").atMost(PARK_TIMEOUT).until(() -> parkedRows(message.marker()).stream()
                .anyMatch(row -> id(row) != firstId && id(row) != secondId));
        assertThat(parkedRows(message.marker())).hasSize(1);
    }

    @Test
    @DisplayName("a command parked only for its missing message id is processed when replayed, under a new message id")
    void replayedCommandWithoutMessageIdIsProcessed() throws Exception {
        Outgoing message = poisonMessage(Poison.COMMAND_WITHOUT_MESSAGE_ID);
        publish(message);
        long parkedId = id(awaitParked(message.marker()));
        assertThat(api.stock(sku)).isEqualTo(new StockLevel(sku, INITIAL_STOCK, 0));

        ResponseEntity<String> replay = replay(parkedId);

        assertThat(replay.getStatusCode()).as("replay: %s", replay.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        Message reply = queues.expect(replyQueue, REPLY_TIMEOUT); // the inventory's reply to the replayed command
        assertThat(reply.getMessageProperties().<Object>getHeader(SagaHeaders.SAGA_ID)).hasToString(sagaId);
        assertThat(reply.getMessageProperties().getCorrelationId()).as("id the replay gave the command").isNotBlank();
        ReplyBody body = objectMapper.readValue(new String(reply.getBody(), StandardCharsets.UTF_8), ReplyBody.class);
        assertThat(body.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(api.stock(sku)).isEqualTo(new StockLevel(sku, INITIAL_STOCK - 3, 3));
        assertThat(parkedRows(message.marker())).as("parked rows after the replay").isEmpty();
    }

    @Test
    @DisplayName("replaying a message parked without its body (over the size limit) answers 409 problem+json and keeps it")
    void replayOfOversizedMessageIsAConflict() throws Exception {
        Outgoing message = poisonMessage(Poison.COMMAND_OVER_THE_SIZE_LIMIT);
        publish(message);
        long parkedId = id(awaitParked(message.marker()));

        ResponseEntity<String> replay = replay(parkedId);

        ApiSupport.assertProblemAnswer(replay, HttpStatus.CONFLICT);
        assertThat(api.readJson(replay.getBody()).path("detail").asText()).contains("no stored body");
        assertThat(parkedRows(message.marker())).singleElement().satisfies(row -> assertThat(id(row))
                .isEqualTo(parkedId));
    }

    @Test
    @DisplayName("replaying an unknown parked message answers 404 problem+json")
    void replayOfUnknownParkedMessageIsNotFound() throws Exception {
        long unknown = Long.MAX_VALUE;

        ResponseEntity<String> replay = replay(unknown);

        ApiSupport.assertProblemAnswer(replay, HttpStatus.NOT_FOUND);
        assertThat(api.readJson(replay.getBody()).path("detail").asText()).contains(Long.toString(unknown));
    }

    private Outgoing poisonMessage(Poison poison) throws Exception {
        String marker = "poison-" + UUID.randomUUID();
        markers.add(marker);
        String messageId = poison.withMessageId() ? UUID.randomUUID().toString() : null;
        return switch (poison) {
            case COMMAND_BODY_NOT_JSON -> command(marker, messageId, RESERVE,
                    ("<reserve sku=\"" + sku + "\">this is not JSON</reserve>").getBytes(StandardCharsets.UTF_8), true);
            case COMMAND_TYPE_WITHOUT_HANDLER -> command(marker, messageId, "inventory.teleport", reserveBody(0), true);
            case COMMAND_WITHOUT_SAGA_ID_HEADER -> command(marker, messageId, RESERVE, reserveBody(0), false);
            case COMMAND_WITHOUT_MESSAGE_ID -> command(marker, null, RESERVE, reserveBody(0), true);
            case COMMAND_OVER_THE_SIZE_LIMIT -> command(marker, messageId, RESERVE,
                    reserveBody(messaging.maxPayloadBytes()), true);
            case REPLY_BODY_NOT_JSON -> reply(marker, messageId, "{\"outcome\": SUCCESS".getBytes(StandardCharsets.UTF_8));
            case REPLY_WITHOUT_MESSAGE_ID, REPLY_TO_A_COMMAND_NO_SAGA_STEP_SENT ->
                    reply(marker, messageId, objectMapper.writeValueAsBytes(ReplyBody.success(Map.of())));
            case REPLY_OVER_THE_SIZE_LIMIT -> reply(marker, messageId, objectMapper.writeValueAsBytes(
                    ReplyBody.success(Map.of("padding", "x".repeat(messaging.maxPayloadBytes())))));
        };
    }

    /** A reserve command of 3 units of this test's SKU, padded by at least {@code padding} bytes. */
    private byte[] reserveBody(int padding) throws Exception {
        return objectMapper.writeValueAsBytes(padding == 0
                ? Map.of("orderId", ApiSupport.fresh("order"), "sku", sku, "quantity", 3)
                : Map.of("orderId", ApiSupport.fresh("order"), "sku", sku, "quantity", 3, "padding", "x".repeat(padding)));
    }

    private Outgoing command(String marker, String messageId, String type, byte[] body, boolean withSagaId) {
        MessageProperties properties = new MessageProperties();
        properties.setMessageId(messageId);
        properties.setCorrelationId(marker);
        properties.setType(type);
        properties.setReplyTo(replyQueue);
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        properties.setContentEncoding("UTF-8");
        if (withSagaId) {
            properties.setHeader(SagaHeaders.SAGA_ID, sagaId);
        }
        properties.setHeader(SagaHeaders.PROCESS_KEY, "order-fulfillment");
        properties.setHeader(SagaHeaders.STEP, STEP);
        properties.setHeader(SagaHeaders.OP, Operation.ACTION.name());
        properties.setHeader(SagaHeaders.ATTEMPT, "1");
        // Routed as a reserve command whatever its type: the binding is by routing key.
        return new Outgoing(Topology.COMMANDS_EXCHANGE, RESERVE, marker, new Message(body, properties));
    }

    /** A reply whose correlation id (the marker) is no command any saga step sent. */
    private Outgoing reply(String marker, String messageId, byte[] body) {
        MessageProperties properties = new MessageProperties();
        properties.setMessageId(messageId);
        properties.setCorrelationId(marker);
        properties.setType("inventory.reserve.reply");
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        properties.setContentEncoding("UTF-8");
        properties.setHeader(SagaHeaders.SAGA_ID, sagaId);
        properties.setHeader(SagaHeaders.STEP, STEP);
        properties.setHeader(SagaHeaders.OP, Operation.ACTION.name());
        properties.setHeader(SagaHeaders.ATTEMPT, "1");
        properties.setHeader(SagaHeaders.OUTCOME, Outcome.SUCCESS.name());
        return new Outgoing(Topology.REPLIES_EXCHANGE, Topology.ORCHESTRATOR_REPLY_KEY, marker,
                new Message(body, properties));
    }

    /** Publishes with the application's template and waits for the broker's confirm. */
    private void publish(Outgoing outgoing) throws Exception {
        CorrelationData correlation = new CorrelationData(UUID.randomUUID().toString());
        rabbit.send(outgoing.exchange(), outgoing.routingKey(), outgoing.message(), correlation);
        CorrelationData.Confirm confirm = correlation.getFuture().get(10, TimeUnit.SECONDS);
        assertThat(confirm.isAck()).as("broker confirm of %s", outgoing.routingKey()).isTrue();
        assertThat(correlation.getReturned()).as("returned as unroutable").isNull();
    }

    private Map<String, Object> awaitParked(String marker) {
        await("message " + marker + " parked").atMost(PARK_TIMEOUT).until(() -> !parkedRows(marker).isEmpty());
        return parkedRows(marker).get(0);
    }

    private List<Map<String, Object>> parkedRows(String marker) {
        return jdbc.queryForList("""
                SELECT id, consumer, queue, message_id, message_type, reason, payload
                FROM sagaflow.parked_message WHERE correlation_id = ? ORDER BY id
                """, marker);
    }

    private static long id(Map<String, Object> row) {
        return ((Number) row.get("id")).longValue();
    }

    private JsonNode listedParkedMessage(long id) throws Exception {
        for (JsonNode message : listedParkedMessages()) {
            if (message.path("id").asLong() == id) {
                return message;
            }
        }
        throw new AssertionError("parked message " + id + " is not listed by GET /api/parked-messages");
    }

    private List<Long> listedParkedIds() throws Exception {
        List<Long> ids = new ArrayList<>();
        listedParkedMessages().forEach(message -> ids.add(message.path("id").asLong()));
        return ids;
    }

    private JsonNode listedParkedMessages() throws Exception {
        ResponseEntity<String> response = api.rest().getForEntity("/api/parked-messages?limit=1000", String.class);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        JsonNode list = api.readJson(response.getBody());
        assertThat(list.isArray()).isTrue();
        return list;
    }

    private ResponseEntity<String> replay(long id) {
        return api.rest().postForEntity("/api/parked-messages/{id}/replay", null, String.class, id);
    }

    private void assertValidOrderCompletes() {
        String orderSku = api.freshSku(10);
        ApiSupport.StartedSaga started = api.placeOrder(new OrderRequest(ApiSupport.fresh("customer"), orderSku, 1,
                new BigDecimal("10.00"), "DE"));
        assertThat(api.awaitFinished(started.sagaId()).status()).as("saga started after the poison message")
                .isEqualTo("COMPLETED");
    }

    /** This JVM's sagaflow.messages.parked counter of one consumer (0 before its first increment). */
    private double parkedCount(String consumer) {
        return meters.find("sagaflow.messages.parked").tag("consumer", consumer).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    /** A raw AMQP message, where to publish it, and the correlation id that finds its parked row. */
    private record Outgoing(String exchange, String routingKey, String marker, Message message) {
    }
}
