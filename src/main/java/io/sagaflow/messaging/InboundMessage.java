package io.sagaflow.messaging;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;

/** The parts of a received AMQP message that handlers use, read once and immutable. */
public record InboundMessage(
        String queue,
        String messageId,
        String type,
        String correlationId,
        String replyTo,
        Map<String, Object> headers,
        String body) {

    public static InboundMessage of(Message message) {
        MessageProperties properties = message.getMessageProperties();
        return new InboundMessage(
                properties.getConsumerQueue(),
                properties.getMessageId(),
                properties.getType(),
                properties.getCorrelationId(),
                properties.getReplyTo(),
                Map.copyOf(properties.getHeaders().entrySet().stream()
                        .filter(header -> header.getValue() != null)
                        .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue))),
                new String(message.getBody(), StandardCharsets.UTF_8));
    }

    /** The same message with its body left out, for parking a body too large to store. */
    InboundMessage withoutBody() {
        return new InboundMessage(queue, messageId, type, correlationId, replyTo, headers, null);
    }

    /** A header as text, or {@code null}; brokers may deliver string headers as byte arrays. */
    public String header(String name) {
        Object value = headers.get(name);
        if (value == null) {
            return null;
        }
        return value instanceof byte[] bytes ? new String(bytes, StandardCharsets.UTF_8) : value.toString();
    }

    /** A header that the contract requires; its absence makes the message unprocessable. */
    public String requiredHeader(String name) {
        String value = header(name);
        if (value == null || value.isBlank()) {
            throw new PoisonMessageException("missing header " + name);
        }
        return value;
    }
}
