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
 * @param broadcast an event for whoever subscribes: a return because no queue is bound counts as
 *     delivered (commands, replies and business events must reach a queue, so they keep it false)
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
        String payload,
        boolean broadcast) {

    public OutboxMessage(String messageId, String orderingKey, String exchange, String routingKey, String type,
                         String correlationId, String replyTo, Map<String, String> headers, String payload) {
        this(messageId, orderingKey, exchange, routingKey, type, correlationId, replyTo, headers, payload, false);
    }

    public OutboxMessage {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(exchange, "exchange");
        Objects.requireNonNull(routingKey, "routingKey");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        headers = Map.copyOf(headers);
    }

    /** The same message with other headers. */
    public OutboxMessage withHeaders(Map<String, String> newHeaders) {
        return new OutboxMessage(messageId, orderingKey, exchange, routingKey, type, correlationId, replyTo, newHeaders,
                payload, broadcast);
    }

    public static String newMessageId() {
        return UUID.randomUUID().toString();
    }
}
