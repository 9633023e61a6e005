package io.sagaflow.txmessage.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A transactional message as the producer builds it")
class TxMessageTests {

    @Test
    @DisplayName("exchange, routing key and payload are required: a message without them could never be delivered")
    void refusesAMessageWithoutDestinationOrBody() {
        assertThatThrownBy(() -> TxMessage.of(null, "shop.order-placed", "{}")).hasMessage("exchange");
        assertThatThrownBy(() -> TxMessage.of("sagaflow.events", null, "{}")).hasMessage("routingKey");
        assertThatThrownBy(() -> TxMessage.of("sagaflow.events", "shop.order-placed", null)).hasMessage("payload");
    }

    @Test
    @DisplayName("each with-method changes its part only, and the message it was called on stays as it was")
    void withMethodsReturnChangedCopies() {
        TxMessage plain = TxMessage.of("sagaflow.events", "shop.order-placed", "{\"orderId\":\"o-1\"}");
        TxMessage full = plain.withId("m-1").withType("shop.order-placed").withHeader("tenant", "eu")
                .withHeader("source", "shop");

        assertThat(full).isEqualTo(new TxMessage("m-1", "sagaflow.events", "shop.order-placed", "shop.order-placed",
                Map.of("tenant", "eu", "source", "shop"), "{\"orderId\":\"o-1\"}"));
        assertThat(plain.id()).isNull();
        assertThat(plain.type()).isNull();
        assertThat(plain.headers()).isEmpty();
    }

    @Test
    @DisplayName("headers are copied in: changing the caller's map later does not change the message")
    void headersAreCopied() {
        Map<String, String> headers = new HashMap<>(Map.of("tenant", "eu"));
        TxMessage message = new TxMessage(null, "sagaflow.events", "k", null, headers, "{}");
        headers.put("tenant", "us");

        assertThat(message.headers()).containsExactly(Map.entry("tenant", "eu"));
        assertThatThrownBy(() -> message.headers().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
        assertThat(new TxMessage(null, "sagaflow.events", "k", null, null, "{}").headers()).isEmpty();
    }
}
