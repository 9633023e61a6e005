package io.sagaflow.messaging;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;

/**
 * The parts of a received AMQP message that handlers use, read once and immutable. Its body is
 * parsed here and nowhere else: a body that is not the JSON a handler expects makes the message
 * unprocessable ({@link PoisonMessageException}, so it is parked with the reason), never a retry.
 */
public record InboundMessage(
        String queue,
        String messageId,
        String type,
        String correlationId,
        String replyTo,
        Map<String, Object> headers,
        String body) {

    private static final TypeReference<Map<String, Object>> JSON_OBJECT = new TypeReference<>() {
    };

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

    /**
     * The body bound to {@code type}.
     *
     * @param refusal the start of the parking reason ("reply body is not a valid reply"), followed
     *     by what the parser said
     */
    public <T> T bodyAs(ObjectMapper json, Class<T> type, String refusal) {
        T value;
        try {
            value = json.readValue(body == null ? "" : body, type);
        } catch (JsonProcessingException | IllegalArgumentException | NullPointerException e) {
            // IllegalArgumentException, NullPointerException: a record's own checks of what it was given.
            throw new PoisonMessageException(refusal + ": " + e.getMessage(), e);
        }
        if (value == null) {
            throw new PoisonMessageException(refusal + ": the body is empty (null)");
        }
        return value;
    }

    /** The body as a JSON object's fields; anything else (an array, a number, not JSON) is refused. */
    public Map<String, Object> bodyAsMap(ObjectMapper json, String refusal) {
        Map<String, Object> value;
        try {
            value = json.readValue(body == null ? "" : body, JSON_OBJECT);
        } catch (JsonProcessingException e) {
            throw new PoisonMessageException(refusal + ": " + e.getMessage(), e);
        }
        if (value == null) {
            throw new PoisonMessageException(refusal + ": the body is empty (null)");
        }
        return value;
    }

    /** The body as a JSON tree, any JSON value (a missing node for an empty body); not JSON is refused. */
    public JsonNode bodyAsJson(ObjectMapper json, String refusal) {
        try {
            return json.readTree(body == null ? "" : body);
        } catch (JsonProcessingException e) {
            throw new PoisonMessageException(refusal + ": " + e.getMessage(), e);
        }
    }
}
