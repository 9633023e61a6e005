package io.sagaflow.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * docs/asyncapi.yaml against the Java constants it describes, and its examples against its own
 * schemas; the schemas are shown to refuse what the code would refuse, so the message tests in
 * {@link MessageContractIntegrationTests} cannot pass vacuously.
 */
@DisplayName("docs/asyncapi.yaml")
class AsyncApiDocumentTests {

    private final AsyncApiContract contract = AsyncApiContract.load();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    @DisplayName("every example of every message conforms to that message's headers and payload schemas")
    void examplesConform() {
        List<String> problems = new ArrayList<>();
        int examples = 0;
        for (var messages = contract.document().at("/components/messages").fields(); messages.hasNext(); ) {
            var message = messages.next();
            for (JsonNode example : message.getValue().path("examples")) {
                examples++;
                String base = "/components/messages/" + message.getKey();
                if (example.has("headers")) {
                    problems.addAll(contract.problems(base + "/headers", example.get("headers")));
                }
                if (example.has("payload")) {
                    problems.addAll(contract.problems(base + "/payload", example.get("payload")));
                }
            }
        }
        assertThat(examples).isGreaterThanOrEqualTo(3);
        assertThat(problems).isEmpty();
    }

    @Test
    @DisplayName("names the exchanges and queues of Topology and TxMessageProtocol")
    void namesTheTopology() {
        JsonNode channels = contract.document().path("channels");
        assertThat(channels.at("/stepCommands/bindings/amqp/exchange/name").asText())
                .isEqualTo(Topology.COMMANDS_EXCHANGE);
        assertThat(channels.at("/stepReplies/bindings/amqp/exchange/name").asText())
                .isEqualTo(Topology.REPLIES_EXCHANGE);
        assertThat(channels.at("/stepReplies/address").asText()).isEqualTo(Topology.ORCHESTRATOR_REPLY_KEY);
        assertThat(channels.at("/sagaEvents/bindings/amqp/exchange/name").asText())
                .isEqualTo(Topology.EVENTS_EXCHANGE);
        assertThat(channels.at("/carCommandQueue/address").asText()).isEqualTo(Topology.participantQueue("car"));
        assertThat(channels.at("/participantQueue/address").asText())
                .isEqualTo(Topology.participantQueue("{participant}"));
        assertThat(channels.at("/txRequests/bindings/amqp/exchange/name").asText())
                .isEqualTo(TxMessageProtocol.REQUESTS_EXCHANGE);
        assertThat(channels.at("/txChecks/bindings/amqp/exchange/name").asText())
                .isEqualTo(TxMessageProtocol.CHECKS_EXCHANGE);
        assertThat(channels.at("/txCheckReplies/address").asText()).isEqualTo(TxMessageProtocol.CHECK_REPLIES_QUEUE);
    }

    @Test
    @DisplayName("has the header names of SagaHeaders and TxMessageProtocol and the values of Operation and Outcome")
    void namesTheHeadersAndEnums() {
        JsonNode schemas = contract.document().at("/components/schemas");
        assertThat(names(schemas.at("/StepCommandHeaders/required"))).containsExactlyInAnyOrder(
                SagaHeaders.SAGA_ID, SagaHeaders.BUSINESS_KEY, SagaHeaders.PROCESS_KEY, SagaHeaders.STEP,
                SagaHeaders.OP, SagaHeaders.ATTEMPT);
        assertThat(names(schemas.at("/StepReplyHeaders/required"))).containsExactlyInAnyOrder(
                SagaHeaders.SAGA_ID, SagaHeaders.STEP, SagaHeaders.OP, SagaHeaders.ATTEMPT, SagaHeaders.OUTCOME);
        assertThat(names(schemas.at("/TxCheckHeaders/required"))).containsExactlyInAnyOrder(
                TxMessageProtocol.MESSAGE_ID_HEADER, TxMessageProtocol.PRODUCER_GROUP_HEADER,
                TxMessageProtocol.CHECK_HEADER);
        assertThat(names(schemas.at("/Op/enum"))).containsExactly(
                java.util.Arrays.stream(Operation.values()).map(Enum::name).toArray(String[]::new));
        assertThat(names(schemas.at("/Outcome/enum"))).containsExactly(
                java.util.Arrays.stream(Outcome.values()).map(Enum::name).toArray(String[]::new));
        assertThat(names(schemas.at("/TxCheckReplyBody/properties/decision/enum")))
                .containsExactly("COMMIT", "ROLLBACK", "UNKNOWN");
    }

    @Test
    @DisplayName("the Java ReplyBody serializes to what ReplyBody says, and a failure without a reason is refused")
    void replyBodies() throws Exception {
        // The service's mapper leaves out null properties (spring.jackson.default-property-inclusion).
        ObjectMapper service = new ObjectMapper().setSerializationInclusion(
                com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL);
        for (ReplyBody reply : List.of(ReplyBody.success(java.util.Map.of("carReservationId", "r-1")),
                ReplyBody.businessFailure("no car available in Atlantis"), ReplyBody.technicalFailure("boom"))) {
            assertThat(contract.problems("/components/schemas/ReplyBody", service.valueToTree(reply)))
                    .as("%s", reply).isEmpty();
        }
        assertThat(contract.problems("/components/schemas/ReplyBody",
                json.readTree("{\"outcome\":\"BUSINESS_FAILURE\",\"result\":{}}"))).isNotEmpty();
        assertThat(contract.problems("/components/schemas/ReplyBody",
                json.readTree("{\"outcome\":\"MAYBE\",\"result\":{}}"))).isNotEmpty();
    }

    @Test
    @DisplayName("refuses what the participant kit would park or answer as invalid")
    void refusesBrokenCommands() throws Exception {
        JsonNode goodHeaders = contract.document().at("/components/messages/CarReserve/examples/0/headers");
        assertThat(contract.problems("/components/messages/CarReserve/headers", goodHeaders)).isEmpty();
        var noOp = goodHeaders.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) noOp).remove(SagaHeaders.OP);
        assertThat(contract.problems("/components/messages/CarReserve/headers", noOp)).isNotEmpty();
        var numericAttempt = goodHeaders.deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) numericAttempt).put(SagaHeaders.ATTEMPT, 1);
        assertThat(contract.problems("/components/messages/CarReserve/headers", numericAttempt)).isNotEmpty();
        assertThat(contract.problems("/components/messages/CarReserve/payload",
                json.readTree("{\"tripId\":\"t\",\"customerId\":\"c\",\"city\":\"Lisbon\",\"days\":\"3\"}")))
                .isNotEmpty();
    }

    @Test
    @DisplayName("checks a message's AMQP properties: a command without message_id or reply_to, or of another type, is refused")
    void checksAmqpProperties() {
        JsonNode example = contract.document().at("/components/messages/CarReserve/examples/0");
        org.springframework.amqp.core.MessageProperties properties = new org.springframework.amqp.core.MessageProperties();
        example.path("headers").fields().forEachRemaining(h -> properties.setHeader(h.getKey(), h.getValue().asText()));
        properties.setMessageId("c-1");
        properties.setCorrelationId("c-1");
        properties.setType("car.reserve");
        properties.setReplyTo(Topology.ORCHESTRATOR_REPLY_KEY);
        properties.setContentType("application/json");
        properties.setContentEncoding("UTF-8");
        String body = example.path("payload").toString();
        assertThat(contract.problemsOf("CarReserve", properties, body)).isEmpty();

        properties.setReplyTo(null);
        assertThat(contract.problemsOf("CarReserve", properties, body)).singleElement().asString()
                .contains("'reply_to' not found");
        properties.setReplyTo(Topology.ORCHESTRATOR_REPLY_KEY);
        properties.setMessageId(null);
        assertThat(contract.problemsOf("CarReserve", properties, body)).isNotEmpty()
                .allSatisfy(problem -> assertThat(problem).contains("'message_id' not found"));
        properties.setMessageId("c-1");
        properties.setType("car.cancel");
        assertThat(contract.problemsOf("CarReserve", properties, body)).singleElement().asString().contains("/type");
    }

    private static List<String> names(JsonNode array) {
        List<String> names = new ArrayList<>();
        array.forEach(node -> names.add(node.asText()));
        return names;
    }
}
