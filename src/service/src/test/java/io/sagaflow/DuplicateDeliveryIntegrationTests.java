package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.testing.ApiSupport.OrderRequest;
import io.sagaflow.testing.ApiSupport.Saga;
import io.sagaflow.testing.ApiSupport.StartedSaga;
import io.sagaflow.testing.ApiSupport.StockLevel;
import io.sagaflow.contract.Operation;
import io.sagaflow.contract.Outcome;
import io.sagaflow.contract.ReplyBody;
import io.sagaflow.contract.SagaHeaders;
import io.sagaflow.contract.Topology;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.CaptureQueues;
import io.sagaflow.testing.IntegrationTest;

/**
 * At-least-once delivery seen from the receiving side: raw AMQP messages, published with the
 * application's own RabbitTemplate, are delivered twice or re-sent, and every effect happens once.
 * Commands carry a fake saga id (no process instance exists for it): the participant kit does not
 * need one. Their replies come back to a temporary queue of this test, bound to the replies
 * exchange under a routing key used as {@code reply_to}.
 */
@IntegrationTest
@DisplayName("Duplicate delivery")
class DuplicateDeliveryIntegrationTests {

    private static final String STEP = "Task_ReserveStock";
    private static final long INITIAL_STOCK = 100;
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(15);
    /** How long to listen for a reply that must not come. */
    private static final Duration NO_REPLY_WINDOW = Duration.ofSeconds(3);

    @RegisterExtension
    final CaptureQueues queues = new CaptureQueues();

    private final ApiSupport api;
    private final RabbitTemplate rabbit;
    private final JdbcTemplate jdbc;
    private final ObjectMapper objectMapper;
    private final MeterRegistry meters;

    private String replyQueue;
    private String sagaId;
    private String orderId;
    private String sku;

    DuplicateDeliveryIntegrationTests(ApiSupport api, RabbitTemplate rabbit, JdbcTemplate jdbc,
                                      ObjectMapper objectMapper, MeterRegistry meters) {
        this.api = api;
        this.rabbit = rabbit;
        this.jdbc = jdbc;
        this.objectMapper = objectMapper;
        this.meters = meters;
    }

    @BeforeEach
    void setUp() {
        replyQueue = queues.bind("sagaflow.test.replies", new DirectExchange(Topology.REPLIES_EXCHANGE));
        sagaId = ApiSupport.fresh("fake-saga");
        orderId = ApiSupport.fresh("order");
        sku = api.freshSku(INITIAL_STOCK);
    }

    @Test
    @DisplayName("the same reserve command delivered twice with one message id is executed once; the barrier answers the copy alike")
    void sameMessageTwiceHasOneEffect() throws Exception {
        String messageId = UUID.randomUUID().toString();

        publish(command("inventory.reserve", messageId, Operation.ACTION, 1, 7));
        publish(command("inventory.reserve", messageId, Operation.ACTION, 1, 7));

        Message reply = receiveReply();
        assertThat(reply.getMessageProperties().getCorrelationId()).isEqualTo(messageId);
        assertThat(reply.getMessageProperties().<Object>getHeader(SagaHeaders.SAGA_ID)).hasToString(sagaId);
        assertThat(reply.getMessageProperties().<Object>getHeader(SagaHeaders.OUTCOME)).hasToString("SUCCESS");
        ReplyBody body = replyBody(reply);
        assertThat(body.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(body.result().get("reservedQuantity")).isInstanceOf(Number.class)
                .satisfies(quantity -> assertThat(((Number) quantity).longValue()).isEqualTo(7));

        // Commands keep no inbox row: the barrier answers the second copy with the stored answer.
        Message second = receiveReply();
        assertThat(second.getMessageProperties().getCorrelationId()).isEqualTo(messageId);
        assertThat(replyBody(second)).as("the barrier's stored answer").isEqualTo(body);
        assertThat(queues.receive(replyQueue, NO_REPLY_WINDOW)).as("a third reply").isNull();
        assertThat(api.stock(sku)).isEqualTo(new StockLevel(sku, INITIAL_STOCK - 7, 7));
        assertThat(api.inboxRows("inventory", messageId)).as("inbox rows of the command").isZero();
    }

    @Test
    @DisplayName("a re-sent reserve command (new message id, same saga and step) gets the first answer and no second effect")
    void resentCommandGetsTheFirstAnswer() throws Exception {
        String firstId = UUID.randomUUID().toString();
        String resentId = UUID.randomUUID().toString();

        publish(command("inventory.reserve", firstId, Operation.ACTION, 1, 5));
        Message first = receiveReply();
        StockLevel afterFirst = api.stock(sku);
        assertThat(afterFirst).isEqualTo(new StockLevel(sku, INITIAL_STOCK - 5, 5));

        publish(command("inventory.reserve", resentId, Operation.ACTION, 2, 5));
        Message resent = receiveReply();

        assertThat(first.getMessageProperties().getCorrelationId()).isEqualTo(firstId);
        assertThat(resent.getMessageProperties().getCorrelationId()).isEqualTo(resentId);
        assertThat(resent.getMessageProperties().<Object>getHeader(SagaHeaders.ATTEMPT)).hasToString("2");
        ReplyBody firstBody = replyBody(first);
        ReplyBody resentBody = replyBody(resent);
        assertThat(firstBody.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(resentBody).isEqualTo(firstBody);
        // The barrier answered (commands keep no inbox row).
        assertThat(api.inboxRows("inventory", resentId)).isZero();
        assertThat(api.stock(sku)).isEqualTo(afterFirst);
        assertThat(queues.receive(replyQueue, NO_REPLY_WINDOW)).as("a third reply").isNull();
    }

    @Test
    @DisplayName("a compensation before its action succeeds without effect, and the late action is refused as hanging")
    void nullCompensationThenHangingActionIsRefused() throws Exception {
        String releaseId = UUID.randomUUID().toString();
        String reserveId = UUID.randomUUID().toString();

        publish(command("inventory.release", releaseId, Operation.COMPENSATION, 1, 9));
        Message released = receiveReply();

        assertThat(released.getMessageProperties().getCorrelationId()).isEqualTo(releaseId);
        assertThat(replyBody(released).outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(api.stock(sku)).isEqualTo(new StockLevel(sku, INITIAL_STOCK, 0));

        publish(command("inventory.reserve", reserveId, Operation.ACTION, 1, 9));
        Message refused = receiveReply();

        assertThat(refused.getMessageProperties().getCorrelationId()).isEqualTo(reserveId);
        assertThat(refused.getMessageProperties().<Object>getHeader(SagaHeaders.OUTCOME))
                .hasToString("BUSINESS_FAILURE");
        ReplyBody body = replyBody(refused);
        assertThat(body.outcome()).isEqualTo(Outcome.BUSINESS_FAILURE);
        assertThat(body.reason()).containsIgnoringCase("hanging");
        assertThat(api.stock(sku)).isEqualTo(new StockLevel(sku, INITIAL_STOCK, 0));
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM inventory.reservation WHERE saga_id = ?", Long.class,
                sagaId)).isZero();
    }

    @Test
    @DisplayName("a reply delivered twice to a finished saga changes nothing: its step row answers both copies as stale")
    void duplicatedReplyToAFinishedSagaChangesNothing() throws Exception {
        StartedSaga started = api.placeOrder(new OrderRequest(ApiSupport.fresh("customer"),
                ApiSupport.fresh("NO-SUCH-SKU"), 1, new BigDecimal("10"), "DE"));
        Saga finished = api.awaitFinished(started.sagaId());
        assertThat(finished.status()).isEqualTo("COMPENSATED");
        assertThat(finished.completedSteps()).isEmpty();
        Map<String, Object> reserveCommand = jdbc.queryForMap("""
                SELECT command_id, status FROM sagaflow.saga_step
                WHERE saga_id = ? AND step = ? AND op = 'ACTION'
                """, started.sagaId(), STEP);
        String commandId = (String) reserveCommand.get("command_id");
        assertThat(reserveCommand.get("status")).isEqualTo("REJECTED");
        double staleBefore = count("sagaflow.replies.stale", null);

        // A SUCCESS answer to the rejected reserve command: were it applied, the step would show as completed.
        String replyId = UUID.randomUUID().toString();
        publish(forgedSuccessReply(replyId, commandId, started.sagaId()));
        publish(forgedSuccessReply(replyId, commandId, started.sagaId()));

        // Each copy ends one of two ways: handled as stale or parked. Replies write no inbox row: the
        // step row, locked by its command id, is the orchestrator's deduplication.
        await("both copies consumed").atMost(REPLY_TIMEOUT).until(() ->
                count("sagaflow.replies.stale", null) - staleBefore + api.parkedCopies(replyId) >= 2);
        assertThat(api.parkedCopies(replyId)).as("parked copies").isZero();
        assertThat(count("sagaflow.replies.stale", null) - staleBefore).as("copies handled as stale").isEqualTo(2);
        assertThat(api.inboxRows("orchestrator", replyId)).as("inbox rows of the reply").isZero();
        assertThat(jdbc.queryForObject("SELECT replies_received FROM sagaflow.saga_step WHERE command_id = ?",
                Integer.class, commandId)).as("replies read for the command: the rejection and both copies")
                .isEqualTo(3);
        assertThat(jdbc.queryForObject("SELECT status FROM sagaflow.saga_step WHERE command_id = ?", String.class,
                commandId)).isEqualTo("REJECTED");
        assertThat(api.saga(started.sagaId())).isEqualTo(finished);
    }

    private Outgoing command(String type, String messageId, Operation op, int attempt, long quantity)
            throws Exception {
        MessageProperties properties = new MessageProperties();
        properties.setMessageId(messageId);
        properties.setType(type);
        properties.setReplyTo(replyQueue);
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        properties.setContentEncoding("UTF-8");
        properties.setHeader(SagaHeaders.SAGA_ID, sagaId);
        properties.setHeader(SagaHeaders.BUSINESS_KEY, orderId);
        properties.setHeader(SagaHeaders.PROCESS_KEY, "order-fulfillment");
        properties.setHeader(SagaHeaders.STEP, STEP);
        properties.setHeader(SagaHeaders.OP, op.name());
        properties.setHeader(SagaHeaders.ATTEMPT, Integer.toString(attempt));
        byte[] body = objectMapper.writeValueAsBytes(Map.of("orderId", orderId, "sku", sku, "quantity", quantity));
        return new Outgoing(Topology.COMMANDS_EXCHANGE, type, new Message(body, properties));
    }

    private Outgoing forgedSuccessReply(String messageId, String commandId, String replySagaId) throws Exception {
        MessageProperties properties = new MessageProperties();
        properties.setMessageId(messageId);
        properties.setCorrelationId(commandId);
        properties.setType("inventory.reserve.reply");
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        properties.setContentEncoding("UTF-8");
        properties.setHeader(SagaHeaders.SAGA_ID, replySagaId);
        properties.setHeader(SagaHeaders.STEP, STEP);
        properties.setHeader(SagaHeaders.OP, Operation.ACTION.name());
        properties.setHeader(SagaHeaders.ATTEMPT, "1");
        properties.setHeader(SagaHeaders.OUTCOME, Outcome.SUCCESS.name());
        byte[] body = objectMapper.writeValueAsBytes(ReplyBody.success(Map.of("reservedQuantity", 1)));
        return new Outgoing(Topology.REPLIES_EXCHANGE, Topology.ORCHESTRATOR_REPLY_KEY,
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

    private Message receiveReply() {
        return queues.expect(replyQueue, REPLY_TIMEOUT);
    }

    private ReplyBody replyBody(Message reply) throws Exception {
        return objectMapper.readValue(new String(reply.getBody(), StandardCharsets.UTF_8), ReplyBody.class);
    }

    /** A counter of this JVM's meter registry (0 before its first increment), summed over its other tags. */
    private double count(String name, String consumer) {
        var search = meters.find(name);
        if (consumer != null) {
            search = search.tag("consumer", consumer);
        }
        return search.counters().stream().mapToDouble(Counter::count).sum();
    }

    /** A raw AMQP message and where to publish it. */
    private record Outgoing(String exchange, String routingKey, Message message) {
    }
}
