package io.sagaflow.txmessage.client;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A message to deliver if and only if the producer's local transaction commits.
 *
 * @param id the transactional message's id (also the delivered message's {@code message_id});
 *     {@code null} for a generated one
 * @param exchange where the committed message is published
 * @param routingKey its routing key
 * @param type its AMQP type; {@code null} for the routing key
 * @param headers AMQP headers of the delivered message, text values
 * @param payload the body, usually JSON text
 */
public record TxMessage(String id, String exchange, String routingKey, String type, Map<String, String> headers,
                        String payload) {

    public TxMessage {
        Objects.requireNonNull(exchange, "exchange");
        Objects.requireNonNull(routingKey, "routingKey");
        Objects.requireNonNull(payload, "payload");
        headers = headers == null ? Map.of() : Map.copyOf(headers);
    }

    public static TxMessage of(String exchange, String routingKey, String payload) {
        return new TxMessage(null, exchange, routingKey, null, Map.of(), payload);
    }

    public TxMessage withId(String newId) {
        return new TxMessage(newId, exchange, routingKey, type, headers, payload);
    }

    public TxMessage withType(String newType) {
        return new TxMessage(id, exchange, routingKey, newType, headers, payload);
    }

    public TxMessage withHeader(String name, String value) {
        Map<String, String> more = new LinkedHashMap<>(headers);
        more.put(name, value);
        return new TxMessage(id, exchange, routingKey, type, more, payload);
    }
}
