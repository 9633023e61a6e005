package io.sagaflow.outbox;

import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * A message to publish once the surrounding transaction commits.
 *
 * @param orderingKey messages with the same key (a saga id) leave in the order they were written;
 *     {@code null} for no ordering
 * @param headers AMQP headers, text values
 * @param payload the body, JSON text
 */
public record OutboxMessage(
        String messageId,
        String orderingKey,
        String exchange,
        String routingKey,
        String type,
        String correlationId,
        String replyTo,
        Map<String, String> headers,
        String payload) {

    public OutboxMessage {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(exchange, "exchange");
        Objects.requireNonNull(routingKey, "routingKey");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        headers = Map.copyOf(headers);
    }

    public static String newMessageId() {
        return UUID.randomUUID().toString();
    }
}
