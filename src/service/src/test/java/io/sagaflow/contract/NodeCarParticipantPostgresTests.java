package io.sagaflow.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.testing.QueryPlans;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.context.ConfigurableApplicationContext;
import io.sagaflow.testing.ParticipantTestBed;

/**
 * The car rental written in Node.js from docs/asyncapi.yaml alone ({@code src/participant-node})
 * against the real orchestrator on PostgreSQL and RabbitMQ. The orchestrator runs here, with every
 * example participant but {@code car}; the Node participant runs as a child process with its own
 * database. Both live in a virtual host and databases of this test's own, created anew, so no other
 * test's service can consume their messages (and they none of another's).
 *
 * <p>Counted from the Node participant's own tables: trips complete with one reservation each,
 * compensated trips leave it cancelled, duplicated and reordered deliveries leave no double effect,
 * malformed messages are parked with the reason, and every reply is what the document says.
 *
 * <p>Runs in the real-services profile (it needs PostgreSQL and a local RabbitMQ whose
 * {@code rabbitmqctl} it may call) and needs {@code node} and {@code npm} on the PATH: without them
 * it fails, it never skips.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("The Node.js car participant with the real orchestrator on PostgreSQL and RabbitMQ")
class NodeCarParticipantPostgresTests {

    private static final Path PARTICIPANT_DIR = Path.of("src", "participant-node");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    /** Replies to the commands this test sends itself go here, not to the orchestrator. */
    private static final String TEST_REPLY_KEY = "node-test";

    private final ObjectMapper json = new ObjectMapper();
    private final AsyncApiContract contract = AsyncApiContract.load();
    private final ParticipantTestBed bed = new ParticipantTestBed("node", "sagaflow_node_car", TIMEOUT);

    private RabbitTemplate rabbit;
    private String carCommands;
    private String orchestratorReplies;
    private String testReplies;

    @BeforeAll
    void start() throws Exception {
        bed.createVirtualHostAndDatabases();
        ConfigurableApplicationContext orchestrator = bed.startOrchestrator(
                "inventory,payment,shipping,shop,hotel,flight");
        rabbit = orchestrator.getBean(RabbitTemplate.class);
        AmqpAdmin amqpAdmin = orchestrator.getBean(AmqpAdmin.class);
        carCommands = copyQueue(amqpAdmin, "test.node.car-commands",
                new TopicExchange(Topology.COMMANDS_EXCHANGE), "car.*");
        orchestratorReplies = copyQueue(amqpAdmin, "test.node.replies",
                new DirectExchange(Topology.REPLIES_EXCHANGE), Topology.ORCHESTRATOR_REPLY_KEY);
        testReplies = copyQueue(amqpAdmin, "test.node.test-replies",
                new DirectExchange(Topology.REPLIES_EXCHANGE), TEST_REPLY_KEY);
        startNodeParticipant();
    }

    @AfterAll
    void stop() {
        bed.close();
    }

    // ---- the tests ------------------------------------------------------------------------------

    @Test
    @DisplayName("trips complete, each with exactly one RESERVED car in the Node participant's table, answered per the document")
    void tripsComplete() throws Exception {
        List<String> sagas = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            sagas.add(startTrip("Lisbon", "LIS"));
        }
        for (String saga : sagas) {
            assertThat(bed.awaitEnd(saga)).isEqualTo("COMPLETED");
            assertThat(reservations(saga)).containsExactly("RESERVED");
            assertThat(barrier(saga)).containsExactly("ACTION:SUCCESS");
            assertThat(sentReplies(saga)).isEqualTo(1);
            Message command = only(received(carCommands, saga, 1));
            Message reply = ofType(received(orchestratorReplies, saga, 3), "car.reserve.reply");
            assertConforms("CarReserveReply", reply);
            assertThat(reply.getMessageProperties().getCorrelationId())
                    .isEqualTo(command.getMessageProperties().getMessageId());
            assertThat(json.readTree(reply.getBody()).at("/result/carReservationId").asText())
                    .isEqualTo(bed.single("SELECT reservation_id FROM car_node.reservation WHERE saga_id = ?", saga));
            // The trace context rides along: the reply continues the command's trace.
            assertThat((Object) reply.getMessageProperties().getHeader("traceparent"))
                    .isNotNull().isEqualTo(command.getMessageProperties().getHeader("traceparent"));
        }
        assertThat(bed.count("SELECT COUNT(*) FROM car_node.parked")).isZero();
    }

    @Test
    @DisplayName("trips whose flight is refused compensate: the car is reserved once and cancelled once")
    void tripsCompensate() throws Exception {
        List<String> sagas = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sagas.add(startTrip("Lisbon", "XXX")); // no seats to XXX
        }
        for (String saga : sagas) {
            assertThat(bed.awaitEnd(saga)).isEqualTo("COMPENSATED");
            assertThat(reservations(saga)).containsExactly("CANCELLED");
            assertThat(barrier(saga)).containsExactly("ACTION:SUCCESS", "COMPENSATION:SUCCESS");
            assertThat(sentReplies(saga)).isEqualTo(2);
            List<Message> commands = received(carCommands, saga, 2);
            assertConforms("CarCancel", ofType(commands, "car.cancel"));
            assertConforms("CarCancelReply", ofType(received(orchestratorReplies, saga, 5), "car.cancel.reply"));
        }
    }

    @Test
    @DisplayName("a trip to Atlantis is refused by the Node car rental: no reservation, no cancel, the saga compensates")
    void carRefusal() throws Exception {
        String saga = startTrip("Atlantis", "LIS");
        assertThat(bed.awaitEnd(saga)).isEqualTo("COMPENSATED");
        assertThat(reservations(saga)).isEmpty();
        assertThat(barrier(saga)).containsExactly("ACTION:BUSINESS_FAILURE");
        Message reply = only(received(orchestratorReplies, saga, 1));
        assertConforms("CarReserveReply", reply);
        assertThat(json.readTree(reply.getBody()).path("reason").asText()).isEqualTo("no car available in Atlantis");
    }

    @Test
    @DisplayName("duplicate deliveries of a car.reserve (same message id twice, and a copy with a new id) leave one reservation")
    void duplicatesChangeNothing() throws Exception {
        String saga = startTrip("Lisbon", "LIS");
        assertThat(bed.awaitEnd(saga)).isEqualTo("COMPLETED");
        Message command = only(received(carCommands, saga, 1));
        received(orchestratorReplies, saga, 3);

        // The very same message twice, straight to the car queue: the inbox drops both. Then the
        // same command with a new message id (a re-publish): the barrier gives it the first answer.
        Message republished = copy(command, UUID.randomUUID().toString());
        sendInOrderAndAwait(command, command, republished);

        assertThat(reservations(saga)).containsExactly("RESERVED");
        assertThat(barrier(saga)).containsExactly("ACTION:SUCCESS");
        // One reply to the original, one to the re-published copy (the same answer), none to the repeats.
        assertThat(sentReplies(saga)).isEqualTo(2);
        assertThat(bed.count("SELECT COUNT(*) FROM car_node.inbox WHERE message_id = ?",
                command.getMessageProperties().getMessageId())).isEqualTo(1);
        List<JsonNode> answers = new ArrayList<>();
        for (String payload : bed.list("SELECT payload FROM car_node.outbox WHERE headers->>'sagaflow-saga-id' = ? "
                + "ORDER BY seq", saga)) {
            answers.add(json.readTree(payload));
        }
        assertThat(answers.get(1)).isEqualTo(answers.get(0));
        assertThat(bed.awaitEnd(saga)).isEqualTo("COMPLETED"); // the stale reply changed nothing
    }

    @Test
    @DisplayName("a compensation delivered before its action: null compensation (SUCCESS, no effect), then the action is refused as hanging")
    void reorderedDelivery() throws Exception {
        String saga = UUID.randomUUID().toString();
        Message reserve = command(saga, "car.reserve", "ACTION", Map.of("tripId", "trip-" + saga,
                "customerId", "customer-1", "city", "Lisbon", "days", 2));
        Message cancel = command(saga, "car.cancel", "COMPENSATION", Map.of("tripId", "trip-" + saga));
        assertConforms("CarReserve", reserve);
        assertConforms("CarCancel", cancel);

        sendInOrderAndAwait(cancel, reserve, reserve); // and a duplicate of the late action, for good measure

        List<Message> replies = received(testReplies, saga, 2);
        Message cancelled = ofType(replies, "car.cancel.reply");
        Message refused = ofType(replies, "car.reserve.reply");
        assertConforms("CarCancelReply", cancelled);
        assertConforms("CarReserveReply", refused);
        assertThat(json.readTree(cancelled.getBody()).path("outcome").asText()).isEqualTo("SUCCESS");
        assertThat(json.readTree(refused.getBody()).path("outcome").asText()).isEqualTo("BUSINESS_FAILURE");
        assertThat(json.readTree(refused.getBody()).path("reason").asText()).startsWith("hanging action");
        assertThat(reservations(saga)).isEmpty();
        assertThat(barrier(saga)).containsExactly("ACTION:BUSINESS_FAILURE", "COMPENSATION:SUCCESS");
        assertThat(sentReplies(saga)).isEqualTo(2);
    }

    @Test
    @DisplayName("malformed messages are parked with the reason, and the queue keeps flowing")
    void poisonMessagesAreParked() throws Exception {
        long parkedBefore = bed.count("SELECT COUNT(*) FROM car_node.parked");
        String saga = UUID.randomUUID().toString();
        Message notJson = command(saga, "car.reserve", "ACTION", Map.of());
        notJson = new Message("{not json".getBytes(StandardCharsets.UTF_8), notJson.getMessageProperties());
        Message noId = command(saga, "car.reserve", "ACTION", Map.of("tripId", "t"));
        noId.getMessageProperties().setMessageId(null);
        Message badOp = command(saga, "car.reserve", "UNDO", Map.of("tripId", "t"));
        Message unknownType = command(saga, "car.upgrade", "ACTION", Map.of("tripId", "t"));
        sendInOrderAndAwait(notJson, noId, badOp, unknownType);

        String after = startTrip("Lisbon", "LIS");
        assertThat(bed.awaitEnd(after)).isEqualTo("COMPLETED");
        List<String> reasons = bed.list("SELECT reason FROM car_node.parked WHERE id > ? ORDER BY id", parkedBefore);
        assertThat(reasons).hasSize(4);
        assertThat(reasons.get(0)).startsWith("command body is not JSON: ");
        assertThat(reasons.subList(1, 4)).containsExactly("missing message_id property",
                "invalid header: sagaflow-op is UNDO", "participant car has no handler for car.upgrade");
        assertThat(reservations(saga)).isEmpty();
        assertThat(barrier(saga)).isEmpty();
    }

    // ---- the orchestrator's side ------------------------------------------------------------------

    private String startTrip(String city, String to) throws Exception {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("tripId", "trip-" + UUID.randomUUID());
        variables.put("customerId", "customer-" + UUID.randomUUID());
        variables.put("city", city);
        variables.put("days", 3);
        variables.put("nights", 3);
        variables.put("from", "FRA");
        variables.put("to", to);
        return bed.startSaga("trip-booking", variables);
    }

    // ---- messages -----------------------------------------------------------------------------------

    /** A command as docs/asyncapi.yaml defines it, answered to this test's reply key. */
    private Message command(String sagaId, String type, String op, Map<String, Object> payload) throws Exception {
        MessageProperties properties = new MessageProperties();
        String id = UUID.randomUUID().toString();
        properties.setMessageId(id);
        properties.setCorrelationId(id);
        properties.setType(type);
        properties.setReplyTo(TEST_REPLY_KEY);
        properties.setContentType("application/json");
        properties.setContentEncoding("UTF-8");
        properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        properties.setHeader(SagaHeaders.SAGA_ID, sagaId);
        properties.setHeader(SagaHeaders.BUSINESS_KEY, "trip-" + sagaId);
        properties.setHeader(SagaHeaders.PROCESS_KEY, "trip-booking");
        properties.setHeader(SagaHeaders.STEP, "Task_ReserveCar");
        properties.setHeader(SagaHeaders.OP, op);
        properties.setHeader(SagaHeaders.ATTEMPT, "1");
        return new Message(json.writeValueAsBytes(payload), properties);
    }

    private static Message copy(Message message, String messageId) {
        MessageProperties source = message.getMessageProperties();
        MessageProperties properties = new MessageProperties();
        properties.setMessageId(messageId);
        properties.setCorrelationId(messageId);
        properties.setType(source.getType());
        properties.setReplyTo(source.getReplyTo());
        properties.setContentType(source.getContentType());
        properties.setContentEncoding(source.getContentEncoding());
        properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        source.getHeaders().forEach(properties::setHeader);
        return new Message(message.getBody(), properties);
    }

    /**
     * Straight to the car queue (default exchange), as a broker's redelivery or a stray copy would
     * arrive, in this order on one channel (messages of different channels may overtake each
     * other), followed by a probe: a null compensation of a saga of its own. The participant handles
     * one delivery at a time, in order, so once the probe's two barrier rows exist everything before
     * it has been handled or parked.
     */
    private void sendInOrderAndAwait(Message... messages) throws Exception {
        Message probe = command(UUID.randomUUID().toString(), "car.cancel", "COMPENSATION", Map.of("tripId", "probe"));
        rabbit.invoke(channel -> {
            for (Message message : messages) {
                channel.send("", Topology.participantQueue("car"), message);
            }
            channel.send("", Topology.participantQueue("car"), probe);
            return null;
        });
        String probeSaga = (String) probe.getMessageProperties().getHeader(SagaHeaders.SAGA_ID);
        await("the Node participant to handle the probe after the messages").atMost(TIMEOUT).until(() ->
                bed.count("SELECT COUNT(*) FROM car_node.barrier WHERE saga_id = ?", probeSaga) == 2);
    }

    private void assertConforms(String name, Message message) {
        assertThat(contract.problemsOf(name, message.getMessageProperties(),
                new String(message.getBody(), StandardCharsets.UTF_8)))
                .as("%s %s %s", name, message.getMessageProperties(), new String(message.getBody(), StandardCharsets.UTF_8))
                .isEmpty();
    }

    private List<Message> received(String queue, String sagaId, int count) {
        List<Message> mine = new ArrayList<>();
        await("%d messages of saga %s in %s".formatted(count, sagaId, queue)).atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(100)).until(() -> {
                    drain(queue, sagaId, mine);
                    return mine.size() >= count;
                });
        assertThat(mine).hasSize(count);
        return mine;
    }

    /** Messages of other sagas go back to the queue's tail, for the test that waits for them. */
    private void drain(String queue, String sagaId, List<Message> mine) {
        List<Message> others = new ArrayList<>();
        Message message;
        while ((message = rabbit.receive(queue)) != null) {
            if (sagaId.equals(String.valueOf(message.getMessageProperties().getHeaders().get(SagaHeaders.SAGA_ID)))) {
                mine.add(message);
            } else {
                others.add(message);
            }
        }
        others.forEach(other -> rabbit.send("", queue, other));
    }

    private static Message ofType(List<Message> messages, String type) {
        return only(messages.stream().filter(m -> type.equals(m.getMessageProperties().getType())).toList());
    }

    private static Message only(List<Message> messages) {
        assertThat(messages).hasSize(1);
        return messages.get(0);
    }

    // ---- the Node participant's tables ------------------------------------------------------------

    private List<String> reservations(String sagaId) throws SQLException {
        return bed.list("SELECT status FROM car_node.reservation WHERE saga_id = ? ORDER BY created_at", sagaId);
    }

    private List<String> barrier(String sagaId) throws SQLException {
        return bed.list("SELECT op || ':' || outcome FROM car_node.barrier WHERE saga_id = ? AND step = 'Task_ReserveCar' "
                + "ORDER BY op", sagaId);
    }

    /** Replies of the saga in the Node outbox, waiting until none is PENDING any more. */
    private long sentReplies(String sagaId) {
        return await("the Node outbox to send the replies of " + sagaId).atMost(TIMEOUT).until(() -> {
            if (bed.count("SELECT COUNT(*) FROM car_node.outbox WHERE headers->>'sagaflow-saga-id' = ? "
                    + "AND status = 'PENDING'", sagaId) > 0) {
                return -1L;
            }
            return bed.count("SELECT COUNT(*) FROM car_node.outbox WHERE headers->>'sagaflow-saga-id' = ? "
                    + "AND status = 'SENT'", sagaId);
        }, sent -> sent >= 0);
    }

    // ---- set-up -----------------------------------------------------------------------------------

    private static String copyQueue(AmqpAdmin admin, String prefix, org.springframework.amqp.core.Exchange exchange,
                                    String routingKey) {
        String name = prefix + "-" + UUID.randomUUID();
        admin.declareQueue(new Queue(name, false, false, false));
        Binding binding = BindingBuilder.bind(new Queue(name)).to(exchange).with(routingKey).noargs();
        admin.declareBinding(binding);
        return name;
    }

    private void startNodeParticipant() throws Exception {
        File dir = PARTICIPANT_DIR.toFile();
        assertThat(dir).as("src/participant-node").isDirectory();
        if (!Files.isDirectory(PARTICIPANT_DIR.resolve("node_modules"))) {
            ParticipantTestBed.run(List.of("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"), false, dir);
        }
        ProcessBuilder builder = new ProcessBuilder("node", "car-participant.js").directory(dir);
        builder.environment().put("AMQP_URL",
                "amqp://guest:guest@" + ParticipantTestBed.RABBIT_HOST + ":5672/" + bed.virtualHost());
        builder.environment().put("DATABASE_URL", QueryPlans.SERVER.replace("jdbc:postgresql://",
                "postgres://" + QueryPlans.USER + "@") + bed.participantDb());
        // Node.js must be on the PATH; CI installs it.
        bed.startParticipant("the Node participant", builder, Path.of("target", "node-car-participant.log"),
                "car participant consuming");
    }
}
