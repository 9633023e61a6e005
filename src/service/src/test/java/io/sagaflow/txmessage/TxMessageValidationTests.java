package io.sagaflow.txmessage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import io.sagaflow.errors.DomainException;
import io.sagaflow.errors.InvalidInputException;
import io.sagaflow.errors.TooLargeException;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Validation of a prepare")
class TxMessageValidationTests {

    private static final int LIMIT = 1024;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNode PAYLOAD = JSON.valueToTree(Map.of("orderId", "o-1"));

    private static PrepareRequest request(String id, String group, String exchange, String routingKey,
                                          Map<String, String> headers, JsonNode payload) {
        return new PrepareRequest(id, group, exchange, routingKey, null, headers, payload);
    }

    @Test
    @DisplayName("a valid prepare gets a generated id, its routing key as type, and its JSON payload as text")
    void validPrepare() {
        HalfMessage message = HalfMessage.from(request(null, "shop", "sagaflow.events", "shop.order-placed",
                Map.of("b", "2", "a", "1"), PAYLOAD), LIMIT);

        assertThat(message.id()).isNotBlank();
        assertThat(message.type()).isEqualTo("shop.order-placed");
        assertThat(message.payload()).isEqualTo("{\"orderId\":\"o-1\"}");
        assertThat(message.headers()).containsExactly(Map.entry("a", "1"), Map.entry("b", "2"));
    }

    @Test
    @DisplayName("a JSON string payload is delivered as its text, unchanged")
    void textPayloadIsKeptAsText() {
        HalfMessage message = HalfMessage.from(request("m-1", "shop", "x", "", null, new TextNode("{\"a\": 1}")),
                LIMIT);

        assertThat(message.payload()).isEqualTo("{\"a\": 1}");
        assertThat(message.type()).as("type of an empty routing key").isEqualTo("tx-message");
        assertThat(message.headers()).isEmpty();
    }

    @Test
    @DisplayName("a missing exchange is refused naming \"exchange\"")
    void missingExchange() {
        assertRefused(() -> HalfMessage.from(request(null, "shop", null, "k", null, PAYLOAD), LIMIT),
                InvalidInputException.class, "exchange");
        assertRefused(() -> HalfMessage.from(request(null, "shop", " ", "k", null, PAYLOAD), LIMIT),
                InvalidInputException.class, "exchange");
    }

    @Test
    @DisplayName("each required field is named when missing or malformed")
    void eachFieldIsNamed() {
        assertRefused(() -> HalfMessage.from(null, LIMIT), InvalidInputException.class, "producerGroup");
        assertRefused(() -> HalfMessage.from(request(null, null, "x", "k", null, PAYLOAD), LIMIT),
                InvalidInputException.class, "producerGroup");
        assertRefused(() -> HalfMessage.from(request(null, "no spaces", "x", "k", null, PAYLOAD), LIMIT),
                InvalidInputException.class, "producerGroup");
        assertRefused(() -> HalfMessage.from(request("has/slash", "shop", "x", "k", null, PAYLOAD), LIMIT),
                InvalidInputException.class, "id");
        assertRefused(() -> HalfMessage.from(request(null, "shop", "x", null, null, PAYLOAD), LIMIT),
                InvalidInputException.class, "routingKey");
        assertRefused(() -> HalfMessage.from(request(null, "shop", "x", "k", null, null), LIMIT),
                InvalidInputException.class, "payload");
        assertRefused(() -> HalfMessage.from(request(null, "shop", "x", "k", null,
                com.fasterxml.jackson.databind.node.NullNode.getInstance()), LIMIT), InvalidInputException.class, "payload");
    }

    @Test
    @DisplayName("headers Sagaflow sets itself cannot be supplied")
    void reservedHeadersAreRefused() {
        assertRefused(() -> HalfMessage.from(request(null, "shop", "x", "k",
                Map.of("sagaflow-tx-message-id", "forged"), PAYLOAD), LIMIT),
                InvalidInputException.class, "headers.sagaflow-tx-message-id");
    }

    @Test
    @DisplayName("a payload over the limit is 413 naming \"payload\"")
    void oversizedPayload() {
        assertRefused(() -> HalfMessage.from(request(null, "shop", "x", "k", null,
                new TextNode("é".repeat(LIMIT / 2 + 1))), LIMIT), TooLargeException.class, "payload");
    }

    @Test
    @DisplayName("a repeated prepare is the same message only if everything matches")
    void sameMessage() {
        HalfMessage first = HalfMessage.from(request("m-1", "shop", "x", "k", Map.of("a", "1"), PAYLOAD), LIMIT);
        StoredTxMessage stored = new StoredTxMessage("m-1", "shop", "x", "k", "k", Map.of("a", "1"),
                first.payload(), TxMessageState.HALF, 0, null, null, null, null, null, null);

        assertThat(first.sameMessageAs(stored)).isTrue();
        assertThat(HalfMessage.from(request("m-1", "shop", "x", "k", Map.of("a", "2"), PAYLOAD), LIMIT)
                .sameMessageAs(stored)).isFalse();
        assertThat(HalfMessage.from(request("m-1", "other", "x", "k", Map.of("a", "1"), PAYLOAD), LIMIT)
                .sameMessageAs(stored)).isFalse();
    }

    private static void assertRefused(ThrowingCallable call, Class<? extends DomainException> type, String field) {
        assertThatThrownBy(call).isExactlyInstanceOf(type)
                .satisfies(refused -> assertThat(((DomainException) refused).field()).isEqualTo(field));
    }
}
