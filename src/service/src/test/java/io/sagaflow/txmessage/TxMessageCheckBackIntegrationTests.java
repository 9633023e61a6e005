package io.sagaflow.txmessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.testing.CaptureQueues;
import io.sagaflow.testing.IntegrationTest;
import io.sagaflow.contract.TxMessageProtocol;
import io.sagaflow.txmessage.client.TxMessage;
import io.sagaflow.txmessage.client.TxMessageProducer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.TxApi;

/**
 * Check-backs with a real producer client (group {@value #GROUP}, outcome table
 * {@value #OUTCOME_TABLE}) answering from its table. Time does not pass in these tests: a message
 * is made due by moving its {@code next_check_at} into the past, and the job runs when the test
 * calls it (the scheduled run may get there first; either way the message is checked once).
 */
@IntegrationTest
@DisplayName("Transactional messages: check-back")
class TxMessageCheckBackIntegrationTests {

    private static final String GROUP = "tx-tests";
    private static final String OUTCOME_TABLE = TxApi.OUTCOME_TABLE;
    private static final Duration DECISION_TIMEOUT = Duration.ofSeconds(15);

    @RegisterExtension
    final CaptureQueues queues = new CaptureQueues();

    private final TxApi api;
    private final JdbcTemplate jdbc;
    private final RabbitTemplate rabbit;
    private final CheckBackJob checkBack;
    private final TxMessageProperties properties;
    private final MeterRegistry meters;

    private String queue;
    private TxMessageProducer producer;

    TxMessageCheckBackIntegrationTests(TxApi api, JdbcTemplate jdbc, RabbitTemplate rabbit, CheckBackJob checkBack,
                                       TxMessageProperties properties, MeterRegistry meters) {
        this.api = api;
        this.jdbc = jdbc;
        this.rabbit = rabbit;
        this.checkBack = checkBack;
        this.properties = properties;
        this.meters = meters;
    }

    @BeforeEach
    void setUp() {
        queue = api.bindTemporaryQueue(queues);
        producer = api.startProducer(GROUP);
        jdbc.execute("CREATE TABLE IF NOT EXISTS txtest.business (message_id VARCHAR(64) PRIMARY KEY)");
    }

    @AfterEach
    void tearDown() {
        producer.stop();
    }

    @Test
    @DisplayName("producer crashed after its local commit, before commit: the check-back finds COMMIT and it is delivered once")
    void crashAfterLocalCommitIsCommittedByCheckBack() {
        String id = api.prepare(api.prepareBody(null, GROUP, queue, Map.of("n", 1)));
        recordLocalCommit(id); // the local transaction committed; the commit request never left

        api.makeDue(id);
        checkBack.checkDueMessages();

        awaitState(id, "COMMITTED");
        JsonNode message = api.message(id);
        assertThat(message.path("decidedBy").asText()).isEqualTo("CHECK_BACK");
        assertThat(message.path("checks").asInt()).isEqualTo(1);
        assertThat(message.path("lastCheckAt").isNull()).isFalse();
        assertThat(message.path("lastCheckResult").asText()).isEqualTo("COMMIT");
        assertThat(api.receive(queue).getMessageProperties().getMessageId()).isEqualTo(id);
        api.assertNothingDelivered(queue);
    }

    @Test
    @DisplayName("producer crashed before its local commit: the check-back finds ROLLBACK and nothing is ever delivered")
    void crashBeforeLocalCommitIsRolledBackByCheckBack() {
        String id = api.prepare(api.prepareBody(null, GROUP, queue, Map.of("n", 1)));

        api.makeDue(id);
        checkBack.checkDueMessages();

        awaitState(id, "ROLLED_BACK");
        assertThat(api.message(id).path("decidedBy").asText()).isEqualTo("CHECK_BACK");
        assertThat(api.outboxRows(id)).isZero();
        api.assertNothingDelivered(queue);
        // The producer's table now says ROLLBACK, so a late local transaction can no longer commit.
        assertThat(jdbc.queryForObject("SELECT outcome FROM " + OUTCOME_TABLE + " WHERE producer_group = ? "
                + "AND message_id = ?", String.class, GROUP, id)).isEqualTo("ROLLBACK");
    }

    @Test
    @DisplayName("a producer that never answers: PARKED after max checks, listed, counted, in health; resolve COMMIT delivers it")
    void unansweredMessageIsParkedAndResolvedByAnOperator() {
        String silentGroup = TxApi.fresh("tx-silent"); // no producer of this group runs: no queue at all
        String id = api.prepare(api.prepareBody(null, silentGroup, queue, Map.of("n", 1)));

        await("PARKED after the check-backs").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    api.makeDue(id);
                    checkBack.checkDueMessages();
                    return "PARKED".equals(api.state(id));
                });

        JsonNode parked = api.message(id);
        assertThat(parked.path("checks").asInt()).isEqualTo(properties.maxChecks());
        // RabbitMQ returns an unroutable mandatory message (UNROUTABLE); the embedded Qpid broker nacks it.
        assertThat(parked.path("lastCheckResult").asText()).isIn("UNROUTABLE", "NOT_CONFIRMED");
        assertThat(api.outboxRows(id)).isZero();
        ResponseEntity<JsonNode> list = api.get("/api/tx-messages?state=PARKED&limit=1000");
        assertThat(list.getStatusCode()).isEqualTo(HttpStatus.OK);
        List<String> parkedIds = new ArrayList<>();
        list.getBody().forEach(message -> {
            assertThat(message.path("state").asText()).isEqualTo("PARKED");
            parkedIds.add(message.path("id").asText());
        });
        assertThat(parkedIds).contains(id);
        assertThat(meters.get("sagaflow.tx-messages.parked").gauge().value()).isGreaterThanOrEqualTo(1);
        assertThat(meters.get("sagaflow.tx-messages.transitions").tag("to", "PARKED").counter().count())
                .isGreaterThanOrEqualTo(1);
        JsonNode health = api.get("/actuator/health").getBody();
        assertThat(health.path("components").path("txMessages").path("status").asText()).isEqualTo("UP");
        assertThat(health.path("components").path("txMessages").path("details").path("parked").asLong())
                .isGreaterThanOrEqualTo(1);

        ResponseEntity<JsonNode> resolved = api.post("/api/tx-messages/{id}/resolve", Map.of("decision", "COMMIT"),
                id);

        assertThat(resolved.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(resolved.getBody().path("state").asText()).isEqualTo("COMMITTED");
        assertThat(resolved.getBody().path("decidedBy").asText()).isEqualTo("OPERATOR");
        assertThat(api.receive(queue).getMessageProperties().getMessageId()).isEqualTo(id);
        assertThat(api.post("/api/tx-messages/{id}/resolve", Map.of("decision", "COMMIT"), id).getStatusCode())
                .as("the same resolve again").isEqualTo(HttpStatus.OK);
        assertThat(api.post("/api/tx-messages/{id}/resolve", Map.of("decision", "ROLLBACK"), id).getStatusCode())
                .as("the opposite resolve").isEqualTo(HttpStatus.CONFLICT);
        api.assertNothingDelivered(queue);
    }

    @Test
    @DisplayName("a HALF message written before a restart is checked back like any other, and delivered once")
    void halfMessageFromBeforeARestartIsCheckedBack() {
        String id = TxApi.fresh("before-restart");
        Instant anHourAgo = Instant.now().minus(Duration.ofHours(1));
        jdbc.update("""
                INSERT INTO sagaflow.tx_message (id, producer_group, exchange, routing_key, message_type, headers,
                    payload, state, checks, next_check_at, created_at)
                VALUES (?, ?, ?, ?, ?, '{}', '{"n":1}', 'HALF', 0, ?, ?)
                """, id, GROUP, TxApi.DESTINATION, queue, queue, Timestamp.from(anHourAgo), Timestamp.from(anHourAgo));
        recordLocalCommit(id);

        checkBack.checkDueMessages();

        awaitState(id, "COMMITTED");
        assertThat(api.receive(queue).getMessageProperties().getMessageId()).isEqualTo(id);
        api.assertNothingDelivered(queue);
    }

    @Test
    @DisplayName("retention deletes COMMITTED and ROLLED_BACK messages decided before the retention, keeps younger and PARKED ones")
    void retentionDeletesOldDecidedMessages() {
        Instant old = Instant.now().minus(properties.retention()).minus(Duration.ofHours(1));
        Instant young = Instant.now().minus(Duration.ofHours(1));
        String oldCommitted = decided("COMMITTED", old);
        String oldRolledBack = decided("ROLLED_BACK", old);
        String youngCommitted = decided("COMMITTED", young);
        String oldParked = decided("PARKED", old);
        try {
            checkBack.deleteExpiredDecisions();

            assertThat(jdbc.queryForList("SELECT id FROM sagaflow.tx_message WHERE id IN (?, ?, ?, ?)", String.class,
                    oldCommitted, oldRolledBack, youngCommitted, oldParked))
                    .containsExactlyInAnyOrder(youngCommitted, oldParked);
        } finally {
            jdbc.update("DELETE FROM sagaflow.tx_message WHERE id IN (?, ?)", youngCommitted, oldParked);
        }
    }

    private String decided(String state, Instant decidedAt) {
        String id = TxApi.fresh("retention-" + state.toLowerCase(java.util.Locale.ROOT));
        jdbc.update("""
                INSERT INTO sagaflow.tx_message (id, producer_group, exchange, routing_key, message_type, headers,
                    payload, state, checks, next_check_at, decided_at, created_at)
                VALUES (?, ?, ?, ?, ?, '{}', '{"n":1}', ?, 0, ?, ?, ?)
                """, id, GROUP, TxApi.DESTINATION, queue, queue, state, Timestamp.from(decidedAt),
                Timestamp.from(decidedAt), Timestamp.from(decidedAt));
        return id;
    }

    @Test
    @DisplayName("an UNKNOWN answer keeps the message HALF for the next check")
    void unknownAnswerKeepsTheMessageHalf() {
        String id = api.prepare(api.prepareBody(null, GROUP, queue, Map.of("n", 1)));

        answer(id, "UNKNOWN");

        await("UNKNOWN recorded").atMost(DECISION_TIMEOUT)
                .until(() -> "UNKNOWN".equals(api.message(id).path("lastCheckResult").asText()));
        assertThat(api.state(id)).isEqualTo("HALF");
        api.rollback(id);
    }

    @Test
    @DisplayName("a check-back answer contradicting the producer's own decision changes nothing and is parked")
    void contradictingAnswerIsParked() {
        String id = api.prepare(api.prepareBody(null, GROUP, queue, Map.of("n", 1)));
        api.commit(id);

        String replyId = answer(id, "ROLLBACK");

        await("the contradicting answer parked").atMost(DECISION_TIMEOUT).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM sagaflow.parked_message WHERE consumer = ? AND message_id = ?", Long.class,
                TxMessageMessaging.CHECK_REPLIES_CONSUMER, replyId) == 1);
        assertThat(api.state(id)).isEqualTo("COMMITTED");
        api.receive(queue);
    }

    @Test
    @DisplayName("the producer client: send() delivers exactly when its local transaction commits")
    void producerClientSendsOnLocalCommit() {
        String id = producer.send(TxMessage.of(TxApi.DESTINATION, queue, "{\"n\":1}"),
                messageId -> jdbc.update("INSERT INTO txtest.business (message_id) VALUES (?)", messageId));

        awaitState(id, "COMMITTED");
        assertThat(api.message(id).path("decidedBy").asText()).isEqualTo("PRODUCER");
        Message delivered = api.receive(queue);
        assertThat(delivered.getMessageProperties().getMessageId()).isEqualTo(id);
        assertThat(new String(delivered.getBody(), StandardCharsets.UTF_8)).isEqualTo("{\"n\":1}");
        api.assertNothingDelivered(queue);
        assertThat(producer.localOutcome(id)).hasToString("COMMIT");
    }

    @Test
    @DisplayName("the producer client: a failing local transaction rolls the message back, nothing is delivered")
    void producerClientRollsBackOnLocalFailure() {
        String id = TxApi.fresh("client-failure");

        assertThatThrownBy(() -> producer.send(TxMessage.of(TxApi.DESTINATION, queue, "{\"n\":1}").withId(id),
                messageId -> {
                    jdbc.update("INSERT INTO txtest.business (message_id) VALUES (?)", messageId);
                    throw new IllegalStateException("out of stock");
                })).isInstanceOf(IllegalStateException.class).hasMessage("out of stock");

        awaitState(id, "ROLLED_BACK");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM txtest.business WHERE message_id = ?", Long.class, id))
                .isZero();
        api.assertNothingDelivered(queue);
    }

    private void recordLocalCommit(String id) {
        jdbc.update("INSERT INTO " + OUTCOME_TABLE + " (producer_group, message_id, outcome, recorded_at) "
                + "VALUES (?, ?, 'COMMIT', ?)", GROUP, id, Timestamp.from(Instant.now()));
    }

    /** Publishes a producer's check-back answer as the client would; returns its message id. */
    private String answer(String id, String decision) {
        MessageProperties properties = new MessageProperties();
        String messageId = TxApi.fresh("answer");
        properties.setMessageId(messageId);
        properties.setCorrelationId(id);
        properties.setType(TxMessageProtocol.CHECK_REPLY_TYPE);
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        rabbit.send("", TxMessageProtocol.CHECK_REPLIES_QUEUE, new Message(
                api.json(Map.of("id", id, "decision", decision)).getBytes(StandardCharsets.UTF_8), properties));
        return messageId;
    }

    private void awaitState(String id, String state) {
        await("state " + state + " of " + id).atMost(DECISION_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> state.equals(api.state(id)));
    }
}
