package io.sagaflow.txmessage;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

import io.sagaflow.contract.TxMessageProtocol;
import io.sagaflow.errors.InvalidInputException;
import io.sagaflow.errors.TooLargeException;

/**
 * A valid prepared message: everything needed to publish it once committed.
 *
 * @param headers sorted, so two prepares of the same message compare equal
 */
record HalfMessage(String id, String producerGroup, String exchange, String routingKey, String type,
                   Map<String, String> headers, String payload) {

    /** Ids travel as AMQP message ids and URL path segments. */
    static final Pattern ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    /** A producer group is a routing key and part of a queue name. */
    static final Pattern PRODUCER_GROUP = Pattern.compile("[A-Za-z0-9._-]{1,100}");
    static final int MAX_NAME_LENGTH = 255;
    static final int MAX_HEADERS = 50;
    static final int MAX_HEADER_VALUE_LENGTH = 4096;

    /**
     * Validates a prepare request; the first problem found is refused with the field it concerns.
     *
     * @throws InvalidInputException naming the field ({@link TooLargeException} for {@code payload})
     */
    static HalfMessage from(PrepareRequest request, int maxPayloadBytes) {
        if (request == null) {
            throw new InvalidInputException("producerGroup", "a prepare needs a body");
        }
        String id = request.id() == null ? UUID.randomUUID().toString() : request.id();
        if (!ID.matcher(id).matches()) {
            throw new InvalidInputException("id", "must be 1-64 characters of [A-Za-z0-9._:-]");
        }
        if (request.producerGroup() == null || request.producerGroup().isBlank()) {
            throw new InvalidInputException("producerGroup", "is required");
        }
        if (!PRODUCER_GROUP.matcher(request.producerGroup()).matches()) {
            throw new InvalidInputException("producerGroup", "must be 1-100 characters of [A-Za-z0-9._-]");
        }
        if (request.exchange() == null || request.exchange().isBlank()) {
            throw new InvalidInputException("exchange", "is required: the exchange the committed message goes to");
        }
        requireMaxLength("exchange", request.exchange());
        if (request.routingKey() == null) {
            throw new InvalidInputException("routingKey", "is required (may be empty for a fanout exchange)");
        }
        requireMaxLength("routingKey", request.routingKey());
        String type = request.type() != null ? request.type()
                : request.routingKey().isEmpty() ? "tx-message" : request.routingKey();
        if (type.isBlank()) {
            throw new InvalidInputException("type", "must not be blank");
        }
        requireMaxLength("type", type);
        Map<String, String> headers = validHeaders(request.headers());
        if (request.payload() == null || request.payload().isNull() || request.payload().isMissingNode()) {
            throw new InvalidInputException("payload", "is required");
        }
        String payload = request.payload().isTextual() ? request.payload().asText() : request.payload().toString();
        int bytes = payload.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > maxPayloadBytes) {
            throw new TooLargeException("payload",
                    "payload of " + bytes + " bytes exceeds the limit of " + maxPayloadBytes + " bytes");
        }
        return new HalfMessage(id, request.producerGroup(), request.exchange(), request.routingKey(), type, headers,
                payload);
    }

    private static Map<String, String> validHeaders(Map<String, String> headers) {
        if (headers == null) {
            return Map.of();
        }
        if (headers.size() > MAX_HEADERS) {
            throw new InvalidInputException("headers", "at most " + MAX_HEADERS + " headers");
        }
        Map<String, String> sorted = new TreeMap<>();
        headers.forEach((name, value) -> {
            if (name == null || name.isBlank() || name.length() > MAX_NAME_LENGTH) {
                throw new InvalidInputException("headers", "header names must be 1-" + MAX_NAME_LENGTH + " characters");
            }
            if (name.startsWith(TxMessageProtocol.RESERVED_HEADER_PREFIX)) {
                throw new InvalidInputException("headers." + name,
                        "headers starting with " + TxMessageProtocol.RESERVED_HEADER_PREFIX + " are set by Sagaflow");
            }
            if (value == null || value.length() > MAX_HEADER_VALUE_LENGTH) {
                throw new InvalidInputException("headers." + name,
                        "must be a text of at most " + MAX_HEADER_VALUE_LENGTH + " characters");
            }
            sorted.put(name, value);
        });
        return sorted;
    }

    private static void requireMaxLength(String field, String value) {
        if (value.length() > MAX_NAME_LENGTH) {
            throw new InvalidInputException(field, "must be at most " + MAX_NAME_LENGTH + " characters");
        }
    }

    /** Whether a repeated prepare describes this very message (then it is idempotent, else a conflict). */
    boolean sameMessageAs(StoredTxMessage stored) {
        return producerGroup.equals(stored.producerGroup()) && exchange.equals(stored.exchange())
                && routingKey.equals(stored.routingKey()) && type.equals(stored.type())
                && headers.equals(stored.headers()) && payload.equals(stored.payload());
    }
}
