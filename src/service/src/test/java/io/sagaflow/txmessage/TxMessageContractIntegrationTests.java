package io.sagaflow.txmessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.sagaflow.testing.CaptureQueues;
import io.sagaflow.testing.IntegrationTest;
import io.sagaflow.contract.AsyncApiContract;
import io.sagaflow.contract.TxMessageProtocol;
import io.sagaflow.txmessage.client.TxMessage;
import io.sagaflow.txmessage.client.TxMessageProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.TxApi;

/**
 * The six half-message messages of docs/asyncapi.yaml, checked against what really crosses the
 * broker: queues of this test, bound beside Sagaflow's, receive copies of the producer client's
 * prepare, commit and rollback requests and of Sagaflow's check-backs; the producer client answers a
 * copy of a real check-back into a queue of this test; the committed message is read where its
 * consumers read it.
 */
@IntegrationTest
@DisplayName("The half-message contract of docs/asyncapi.yaml")
class TxMessageContractIntegrationTests {

    private static final String GROUP = "tx-contract";
    private static final String OUTCOME_TABLE = TxApi.OUTCOME_TABLE;
    private static final Duration TIMEOUT = Duration.ofSeconds(15);

    @RegisterExtension
    final CaptureQueues queues = new CaptureQueues();

    private final TxApi api;
    private final JdbcTemplate jdbc;
    private final RabbitTemplate rabbit;
    private final CheckBackJob checkBack;

    private final AsyncApiContract contract = AsyncApiContract.load();
    private TxMessageProducer producer;
    private String destination;
    private String requests;
    private String checks;

    TxMessageContractIntegrationTests(TxApi api, JdbcTemplate jdbc, RabbitTemplate rabbit, CheckBackJob checkBack) {
        this.api = api;
        this.jdbc = jdbc;
        this.rabbit = rabbit;
        this.checkBack = checkBack;
    }

    @BeforeEach
    void setUp() {
        producer = api.startProducer(GROUP); // declares the group's check queue and exchange before the copy is bound
        destination = api.bindTemporaryQueue(queues);
        requests = queues.bind("test.contract.tx-requests", new DirectExchange(TxMessageProtocol.REQUESTS_EXCHANGE),
                TxMessageProtocol.PREPARE, TxMessageProtocol.COMMIT, TxMessageProtocol.ROLLBACK);
        checks = queues.bind("test.contract.tx-checks", new DirectExchange(TxMessageProtocol.CHECKS_EXCHANGE), GROUP);
    }

    @AfterEach
    void tearDown() {
        producer.stop();
    }

    @Test
    @DisplayName("the producer client's prepare and commit, and the message its consumers get, conform")
    void committedMessageConforms() {
        String id = producer.send(TxMessage.of(TxApi.DESTINATION, destination, "{\"orderId\":\"o-1\"}")
                .withType("order.placed"), messageId -> { });

        List<Message> sent = requestsOf(id, 2);
        assertConforms("TxPrepare", CaptureQueues.only(CaptureQueues.ofType(sent, TxMessageProtocol.PREPARE)));
        assertConforms("TxCommit", CaptureQueues.only(CaptureQueues.ofType(sent, TxMessageProtocol.COMMIT)));
        Message delivered = api.receive(destination);
        assertThat(delivered.getMessageProperties().getMessageId()).isEqualTo(id);
        assertConforms("TxDeliveredMessage", delivered);
    }

    @Test
    @DisplayName("the producer client's rollback of a failed local transaction conforms")
    void rollbackConforms() {
        String id = TxApi.fresh("contract-rollback");
        assertThatThrownBy(() -> producer.send(TxMessage.of(TxApi.DESTINATION, destination, "{}").withId(id),
                messageId -> {
                    throw new IllegalStateException("out of stock");
                })).hasMessage("out of stock");

        List<Message> sent = requestsOf(id, 2);
        assertConforms("TxPrepare", CaptureQueues.only(CaptureQueues.ofType(sent, TxMessageProtocol.PREPARE)));
        assertConforms("TxRollback", CaptureQueues.only(CaptureQueues.ofType(sent, TxMessageProtocol.ROLLBACK)));
        api.assertNothingDelivered(destination);
    }

    @Test
    @DisplayName("Sagaflow's check-back and the producer client's answer to it conform")
    void checkBackAndItsAnswerConform() {
        String id = api.prepare(api.prepareBody(null, GROUP, destination, Map.of("n", 1)));
        jdbc.update("INSERT INTO " + OUTCOME_TABLE + " (producer_group, message_id, outcome, recorded_at) "
                + "VALUES (?, ?, 'COMMIT', ?)", GROUP, id, Timestamp.from(Instant.now()));
        api.makeDue(id);
        checkBack.checkDueMessages();

        Message check = await("the check-back of " + id).atMost(TIMEOUT).until(() -> nextOf(checks, id),
                java.util.Objects::nonNull);
        assertConforms("TxCheck", check);
        await("decided by the producer's answer").atMost(TIMEOUT).until(() -> "COMMITTED".equals(api.state(id)));
        api.receive(destination);

        // The same check again, answered into a queue of this test instead of Sagaflow's.
        String answers = queues.bind("test.contract.tx-check-answers", new DirectExchange(TxApi.DESTINATION, false,
                false));
        check.getMessageProperties().setReplyTo(answers);
        rabbit.send("", TxMessageProtocol.checkQueue(GROUP), check);
        Message answer = api.receive(answers);
        assertThat(answer.getMessageProperties().getCorrelationId()).isEqualTo(id);
        assertThat(api.readJson(answer.getBody()).path("decision").asText()).isEqualTo("COMMIT");
        assertConforms("TxCheckReply", answer);
    }

    /** Waits for {@code count} requests about message {@code id}, then half a second for a surplus one. */
    private List<Message> requestsOf(String id, int count) {
        List<Message> mine = new ArrayList<>();
        await("%d requests about %s".formatted(count, id)).atMost(TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    drain(requests, id, mine);
                    return mine.size() >= count;
                });
        long until = System.nanoTime() + Duration.ofMillis(500).toNanos();
        while (System.nanoTime() < until) {
            drain(requests, id, mine);
        }
        assertThat(mine).as("requests about %s", id).hasSize(count);
        return mine;
    }

    private void drain(String queue, String id, List<Message> mine) {
        Message message;
        while ((message = rabbit.receive(queue)) != null) {
            if (id.equals(message.getMessageProperties().getCorrelationId())) {
                mine.add(message);
            }
        }
    }

    private Message nextOf(String queue, String id) {
        List<Message> mine = new ArrayList<>();
        drain(queue, id, mine);
        return mine.isEmpty() ? null : mine.get(0);
    }

    private void assertConforms(String name, Message message) {
        contract.assertConforms(name, message);
    }
}
