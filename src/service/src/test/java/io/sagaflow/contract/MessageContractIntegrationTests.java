package io.sagaflow.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.CaptureQueues;
import io.sagaflow.testing.IntegrationTest;
import io.sagaflow.testing.SettableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The Java code produces and accepts exactly what docs/asyncapi.yaml says. Queues of this test,
 * bound beside the real ones, receive copies of the car commands, of every reply to the orchestrator
 * and of the trip saga's end events; each is validated (AMQP properties, headers, body) against its
 * message in the document. Messages built from the document alone are fed to the car participant
 * and to the orchestrator, and are executed and correlated like their own.
 */
@IntegrationTest
@DisplayName("The message contract of docs/asyncapi.yaml")
class MessageContractIntegrationTests {

    private static final String PROCESS = "trip-booking";
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @RegisterExtension
    final CaptureQueues queues = new CaptureQueues();

    private final ApiSupport api;
    private final RabbitTemplate rabbit;
    private final JdbcTemplate jdbc;
    private final SimpleMessageListenerContainer replyListener;
    private final SettableClock clock;
    private final org.camunda.bpm.engine.RepositoryService repository;

    private final AsyncApiContract contract = AsyncApiContract.load();
    private String commands;
    private String replies;
    private String events;

    MessageContractIntegrationTests(ApiSupport api, RabbitTemplate rabbit, JdbcTemplate jdbc,
                                    @Qualifier("replyListener") SimpleMessageListenerContainer replyListener,
                                    SettableClock clock, org.camunda.bpm.engine.RepositoryService repository) {
        this.api = api;
        this.rabbit = rabbit;
        this.jdbc = jdbc;
        this.replyListener = replyListener;
        this.clock = clock;
        this.repository = repository;
    }

    @BeforeEach
    void bindCopies() {
        commands = queues.bind("test.contract.commands", new TopicExchange(Topology.COMMANDS_EXCHANGE), "car.*");
        replies = queues.bind("test.contract.replies", new DirectExchange(Topology.REPLIES_EXCHANGE),
                Topology.ORCHESTRATOR_REPLY_KEY);
        events = queues.bind("test.contract.events", new TopicExchange(Topology.EVENTS_EXCHANGE), PROCESS + ".*");
    }

    @AfterEach
    void restartReplyListener() {
        if (!replyListener.isRunning()) {
            replyListener.start();
        }
    }

    @Test
    @DisplayName("a completed trip: car.reserve, every reply and saga.completed conform to their messages")
    void completedTripConforms() throws Exception {
        String sagaId = startTrip("LIS");
        assertThat(awaitStatus(sagaId)).isEqualTo("COMPLETED");

        Message reserve = CaptureQueues.only(received(commands, sagaId, 1));
        assertConforms("CarReserve", reserve);
        assertConforms("StepCommand", reserve);
        List<Message> stepReplies = received(replies, sagaId, 3);
        for (Message reply : stepReplies) {
            assertConforms("StepReply", reply);
        }
        Message carReply = CaptureQueues.only(stepReplies.stream()
                .filter(reply -> "car.reserve.reply".equals(reply.getMessageProperties().getType())).toList());
        assertConforms("CarReserveReply", carReply);
        assertThat(carReply.getMessageProperties().getCorrelationId())
                .isEqualTo(reserve.getMessageProperties().getMessageId());
        assertConforms("SagaCompleted", CaptureQueues.only(received(events, sagaId, 1)));
    }

    @Test
    @DisplayName("a compensated trip: car.reserve, car.cancel, their replies and saga.compensated conform")
    void compensatedTripConforms() throws Exception {
        String sagaId = startTrip("XXX"); // no seats to XXX: the flight is refused, the car cancelled
        assertThat(awaitStatus(sagaId)).isEqualTo("COMPENSATED");

        List<Message> carCommands = received(commands, sagaId, 2);
        assertConforms("CarReserve", CaptureQueues.only(CaptureQueues.ofType(carCommands, "car.reserve")));
        assertConforms("CarCancel", CaptureQueues.only(CaptureQueues.ofType(carCommands, "car.cancel")));
        // car.reserve, hotel.book, flight.book (refused), then hotel.cancel and car.cancel
        List<Message> stepReplies = received(replies, sagaId, 5);
        stepReplies.forEach(reply -> assertConforms("StepReply", reply));
        assertConforms("CarReserveReply", CaptureQueues.only(CaptureQueues.ofType(stepReplies, "car.reserve.reply")));
        assertConforms("CarCancelReply", CaptureQueues.only(CaptureQueues.ofType(stepReplies, "car.cancel.reply")));
        Message refusal = CaptureQueues.only(CaptureQueues.ofType(stepReplies, "flight.book.reply"));
        assertThat(api.readJson(refusal.getBody()).path("outcome").asText()).isEqualTo("BUSINESS_FAILURE");
        assertConforms("SagaCompensated", CaptureQueues.only(received(events, sagaId, 1)));
    }

    @Test
    @DisplayName("a deadline that passes goes to the orchestrator's own replies queue as sagaflow.deadline-passed, per the document")
    void deadlinePassedConforms() throws Exception {
        String sagaId = startTrip("LIS", "flight.book:delay=PT40S"); // booked at once, the reply held 40 s
        await("the flight's command in flight").atMost(TIMEOUT).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM sagaflow.saga_step WHERE saga_id = ? AND command = 'flight.book' AND status = 'WAITING'",
                Long.class, sagaId) == 1);
        clock.advance(Duration.ofSeconds(31)); // past the trip steps' 30 s deadline, not yet the held reply
        List<Message> mine = new ArrayList<>();
        await("the deadline-passed message of saga " + sagaId).atMost(TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    drain(replies, sagaId, mine);
                    return CaptureQueues.ofType(mine, Topology.DEADLINE_PASSED_TYPE).size() >= 2;
                });

        // Two rounds: the first only sends the second, which judges (ReplyCorrelator).
        List<Message> rounds = CaptureQueues.ofType(mine, Topology.DEADLINE_PASSED_TYPE);
        assertThat(rounds).hasSize(2);
        assertThat(rounds).extracting(round -> round.getMessageProperties().getHeaders().get("sagaflow-deadline-round"))
                .containsExactly(null, "2");
        for (Message deadline : rounds) {
            assertConforms("DeadlinePassed", deadline);
            assertThat(api.readJson(deadline.getBody()).path("reason").asText()).contains("flight.book", "PT30S");
        }
        assertThat(awaitStatus(sagaId)).isEqualTo("COMPENSATED");
    }

    @Test
    @DisplayName("a command no queue takes: sagaflow.command-undeliverable and saga.failed conform to their messages")
    void undeliverableCommandAndSagaFailedConform() throws Exception {
        String unroutable = "contract-trip-unroutable";
        try (java.io.InputStream original = new org.springframework.core.io.ClassPathResource(
                "processes/trip-booking.bpmn").getInputStream()) {
            org.camunda.bpm.model.bpmn.BpmnModelInstance model = org.camunda.bpm.model.bpmn.Bpmn.readModelFromStream(original);
            model.getModelElementsByType(org.camunda.bpm.model.bpmn.instance.Process.class).iterator().next()
                    .setId(unroutable);
            model.getModelElementsByType(org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputParameter.class)
                    .stream().filter(input -> "car.reserve".equals(input.getTextContent()))
                    .forEach(input -> input.setTextContent("carr.reserve")); // "car.reserv" would reach this class's car.* copy queue
            repository.createDeployment().name(unroutable).enableDuplicateFiltering(true)
                    .addModelInstance(unroutable + ".bpmn", model).deploy();
        }
        String failedEvents = queues.bind("test.contract.failed-events", new TopicExchange(Topology.EVENTS_EXCHANGE),
                unroutable + ".*");
        ResponseEntity<JsonNode> started = api.rest().postForEntity("/api/sagas/{processKey}", ApiSupport.trip("LIS"),
                JsonNode.class, unroutable);
        String sagaId = started.getBody().path("sagaId").asText();
        List<Message> mine = new ArrayList<>();
        await("the notice of the returned command").atMost(TIMEOUT).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    drain(replies, sagaId, mine);
                    return !CaptureQueues.ofType(mine, Topology.COMMAND_UNDELIVERABLE_TYPE).isEmpty();
                });

        Message notice = CaptureQueues.only(CaptureQueues.ofType(mine, Topology.COMMAND_UNDELIVERABLE_TYPE));
        assertConforms("CommandUndeliverable", notice);
        assertThat(api.readJson(notice.getBody()).path("reason").asText()).contains("carr.reserve");
        assertConforms("SagaFailed", CaptureQueues.only(received(failedEvents, sagaId, 1)));
        api.rest().postForEntity("/api/sagas/{id}/abort", Map.of("reason", "contract test over"), String.class, sagaId);
    }

    @Test
    @DisplayName("an awaited event built from the document's example moves the saga that waits for it")
    void awaitedEventFromTheDocumentMovesTheSaga() throws Exception {
        String sagaId = api.rest().postForEntity("/api/sagas/{processKey}", ApiSupport.trip("LIS"), JsonNode.class,
                "shape-trip-awaiting-approval").getBody().path("sagaId").asText();
        await("the saga waits for TransferConfirmed").atMost(TIMEOUT).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM ACT_RU_EVENT_SUBSCR WHERE PROC_INST_ID_ = ? AND EVENT_NAME_ = 'TransferConfirmed'",
                Long.class, sagaId) == 1);

        Message event = fromExample("AwaitedEvent", 0, sagaId);
        event.getMessageProperties().setType("TransferConfirmed");
        event.getMessageProperties().setCorrelationId(null);
        event.getMessageProperties().setReplyTo(null);
        assertThat(contract.problemsOf("AwaitedEvent", event.getMessageProperties(), body(event))).isEmpty();
        rabbit.send(Topology.SAGA_EVENTS_EXCHANGE, "TransferConfirmed", event);

        await("the saga's approval task").atMost(TIMEOUT).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM ACT_RU_TASK WHERE PROC_INST_ID_ = ? AND TASK_DEF_KEY_ = 'UserTask_ApproveTrip'",
                Long.class, sagaId) == 1);
        assertThat(api.rest().postForEntity("/api/sagas/{id}/abort", Map.of("reason", "contract test over"),
                JsonNode.class, sagaId).getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
    }

    @Test
    @DisplayName("a car.reserve built from the document's example is executed by the car participant and answered per the document")
    void participantAcceptsTheDocumentsCommand() throws Exception {
        String sagaId = UUID.randomUUID().toString();
        Message command = fromExample("CarReserve", 0, sagaId);
        assertThat(contract.problemsOf("CarReserve", command.getMessageProperties(), body(command))).isEmpty();

        replyListener.stop(); // the orchestrator knows no such saga: the reply is read from its queue here
        rabbit.send(Topology.COMMANDS_EXCHANGE, "car.reserve", command);

        Message reply = await("the car participant's reply").atMost(TIMEOUT).until(
                () -> ApiSupport.takeReplyOf(rabbit, sagaId), java.util.Objects::nonNull);
        assertConforms("CarReserveReply", reply);
        JsonNode answer = api.readJson(reply.getBody());
        assertThat(answer.path("outcome").asText()).isEqualTo("SUCCESS");
        assertThat(reply.getMessageProperties().getCorrelationId())
                .isEqualTo(command.getMessageProperties().getMessageId());
        assertThat(jdbc.queryForObject("SELECT reservation_id FROM car.reservation WHERE saga_id = ?", String.class,
                sagaId)).isEqualTo(answer.at("/result/carReservationId").asText());
    }

    @Test
    @DisplayName("a car.reserve.reply built from the document's example completes the waiting step of a real trip")
    void orchestratorAcceptsTheDocumentsReply() throws Exception {
        // The car participant's own reply is held back 10 s; the document's reply gets there first.
        String sagaId = startTrip("LIS", "car.reserve:delay=PT10S");
        Message command = CaptureQueues.only(received(commands, sagaId, 1));
        String commandId = command.getMessageProperties().getMessageId();

        Message reply = fromExample("CarReserveReply", 0, sagaId);
        reply.getMessageProperties().setCorrelationId(commandId);
        reply.getMessageProperties().setHeader(SagaHeaders.BUSINESS_KEY,
                command.getMessageProperties().getHeader(SagaHeaders.BUSINESS_KEY));
        assertThat(contract.problemsOf("CarReserveReply", reply.getMessageProperties(), body(reply))).isEmpty();
        rabbit.send(Topology.REPLIES_EXCHANGE, Topology.ORCHESTRATOR_REPLY_KEY, reply);

        assertThat(awaitStatus(sagaId)).isEqualTo("COMPLETED");
        assertThat(jdbc.queryForObject("SELECT status FROM sagaflow.saga_step WHERE command_id = ?", String.class,
                commandId)).isEqualTo("SUCCEEDED");
        assertThat(jdbc.queryForObject("SELECT status FROM sagaflow.outbox_message WHERE correlation_id = ? "
                + "AND message_type = 'car.reserve.reply'", String.class, commandId))
                .as("the participant's own reply, still held back").isEqualTo("PENDING");
    }

    // ---- helpers -----------------------------------------------------------------------------

    private String startTrip(String to) {
        return startTrip(to, null);
    }

    /** Starts a trip to {@code to} with fresh ids; {@code simulate} as the example participants read it. */
    private String startTrip(String to, String simulate) {
        Map<String, Object> variables = ApiSupport.trip(to);
        if (simulate != null) {
            variables.put("simulate", List.of(simulate));
        }
        ResponseEntity<JsonNode> started = api.rest().postForEntity("/api/sagas/{processKey}", variables,
                JsonNode.class, PROCESS);
        assertThat(started.getStatusCode()).as("%s", started.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        return started.getBody().path("sagaId").asText();
    }

    private String awaitStatus(String sagaId) {
        return await("saga " + sagaId + " to finish").atMost(TIMEOUT).pollInterval(Duration.ofMillis(200)).until(
                () -> api.rest().getForObject("/api/sagas/{id}", JsonNode.class, sagaId).path("status").asText(),
                status -> !"RUNNING".equals(status));
    }

    /**
     * Waits for {@code count} messages of the saga in a copy queue, then for a moment longer so a
     * surplus one is seen too; messages of other sagas are dropped.
     */
    private List<Message> received(String queue, String sagaId, int count) {
        List<Message> mine = new ArrayList<>();
        await("%d messages of saga %s in %s".formatted(count, sagaId, queue)).atMost(TIMEOUT)
                .pollInterval(Duration.ofMillis(50)).until(() -> {
                    drain(queue, sagaId, mine);
                    return mine.size() >= count;
                });
        long until = System.nanoTime() + Duration.ofMillis(500).toNanos();
        while (System.nanoTime() < until) {
            drain(queue, sagaId, mine);
        }
        assertThat(mine).as("messages of saga %s in %s", sagaId, queue).hasSize(count);
        return mine;
    }

    private void drain(String queue, String sagaId, List<Message> mine) {
        Message message;
        while ((message = rabbit.receive(queue)) != null) {
            if (sagaId.equals(String.valueOf(message.getMessageProperties().getHeaders().get(SagaHeaders.SAGA_ID)))) {
                mine.add(message);
            }
        }
    }

    private void assertConforms(String name, Message message) {
        contract.assertConforms(name, message);
    }

    private static String body(Message message) {
        return new String(message.getBody(), StandardCharsets.UTF_8);
    }

    /**
     * A message of the document's example {@code index} of message {@code name}: its headers (the
     * saga id replaced), its payload, and the AMQP properties its {@code x-amqp-properties} require,
     * with the type of its binding.
     */
    private Message fromExample(String name, int index, String sagaId) throws Exception {
        JsonNode message = contract.document().at("/components/messages/" + name);
        JsonNode example = message.path("examples").path(index);
        MessageProperties properties = new MessageProperties();
        example.path("headers").fields().forEachRemaining(header ->
                properties.setHeader(header.getKey(), header.getValue().asText()));
        properties.setHeader(SagaHeaders.SAGA_ID, sagaId);
        String id = UUID.randomUUID().toString();
        properties.setMessageId(id);
        properties.setType(message.at("/bindings/amqp/messageType").asText());
        properties.setCorrelationId(id);
        if (name.endsWith("Reply")) {
            properties.setReplyTo(null);
        } else {
            properties.setReplyTo(Topology.ORCHESTRATOR_REPLY_KEY);
        }
        properties.setContentType(message.path("contentType").asText());
        properties.setContentEncoding(message.at("/bindings/amqp/contentEncoding").asText());
        properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        return new Message(api.json(example.path("payload")).getBytes(StandardCharsets.UTF_8), properties);
    }
}
