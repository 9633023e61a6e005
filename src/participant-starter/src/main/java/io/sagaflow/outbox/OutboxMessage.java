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

    public OutboxMessage {
        Objects.requireNonNull(messageId, "messageId");
        Objects.requireNonNull(exchange, "exchange");
        Objects.requireNonNull(routingKey, "routingKey");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(payload, "payload");
        headers = Map.copyOf(headers);
    }

    /**
     * A message to {@code exchange} with {@code routingKey}, of {@code type}: a new id, no ordering
     * key, correlation id, reply address or headers; the methods below set them.
     */
    public static OutboxMessage to(String exchange, String routingKey, String type, String payload) {
        return new OutboxMessage(newMessageId(), null, exchange, routingKey, type, null, null, Map.of(), payload, false);
    }

    /** The same message with this id (a command's id, a message's own id when it is sent again). */
    public OutboxMessage withId(String id) {
        return new OutboxMessage(id, orderingKey, exchange, routingKey, type, correlationId, replyTo, headers, payload,
                broadcast);
    }

    /** The same message, leaving after earlier ones with this key (a saga id). */
    public OutboxMessage orderedBy(String key) {
        return new OutboxMessage(messageId, key, exchange, routingKey, type, correlationId, replyTo, headers, payload,
                broadcast);
    }

    /** The same message answering (or naming) the message with this id. */
    public OutboxMessage correlatedWith(String id) {
        return new OutboxMessage(messageId, orderingKey, exchange, routingKey, type, id, replyTo, headers, payload,
                broadcast);
    }

    /** The same message, its answer to go to this routing key. */
    public OutboxMessage replyingTo(String address) {
        return new OutboxMessage(messageId, orderingKey, exchange, routingKey, type, correlationId, address, headers,
                payload, broadcast);
    }

    /** The same message with other headers. */
    public OutboxMessage withHeaders(Map<String, String> newHeaders) {
        return new OutboxMessage(messageId, orderingKey, exchange, routingKey, type, correlationId, replyTo, newHeaders,
                payload, broadcast);
    }

    /** The same message as a broadcast event: delivered when no queue is bound (see {@code broadcast}). */
    public OutboxMessage asBroadcast() {
        return new OutboxMessage(messageId, orderingKey, exchange, routingKey, type, correlationId, replyTo, headers,
                payload, true);
    }

    public static String newMessageId() {
        return UUID.randomUUID().toString();
    }
}
