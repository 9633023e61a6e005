package io.sagaflow.participant;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.Operation;
import io.sagaflow.contract.SagaHeaders;
import io.sagaflow.messaging.InboundMessage;
import io.sagaflow.messaging.PoisonMessageException;

/**
 * A command as a participant's handler sees it: who sent it (saga, step, attempt), what to do
 * (type, op), the JSON payload the step mapped from its process variables, and the saga's command
 * context ({@link SagaHeaders#CONTEXT_PREFIX}: variable name → value as text).
 */
public record Command(String messageId, String type, String sagaId, String businessKey, String step, Operation op,
                      int attempt, String replyTo, JsonNode payload, Map<String, String> context) {

    public Command {
        context = context == null ? Map.of() : Map.copyOf(context);
    }

    static Command from(InboundMessage message, ObjectMapper objectMapper) {
        if (message.type() == null || message.type().isBlank()) {
            throw new PoisonMessageException("command without type property");
        }
        if (message.replyTo() == null || message.replyTo().isBlank()) {
            throw new PoisonMessageException("command without reply_to property");
        }
        Operation op;
        int attempt;
        try {
            op = Operation.valueOf(message.requiredHeader(SagaHeaders.OP));
            attempt = Integer.parseInt(message.requiredHeader(SagaHeaders.ATTEMPT));
        } catch (IllegalArgumentException e) {
            throw new PoisonMessageException("invalid header: " + e.getMessage(), e);
        }
        JsonNode payload = message.bodyAsJson(objectMapper, "command body is not JSON");
        if (!payload.isObject()) {
            throw new PoisonMessageException("command body is not a JSON object");
        }
        Map<String, String> context = new LinkedHashMap<>();
        for (String header : message.headers() == null ? Map.<String, Object>of().keySet() : message.headers().keySet()) {
            if (header.startsWith(SagaHeaders.CONTEXT_PREFIX) && message.header(header) != null) {
                context.put(header.substring(SagaHeaders.CONTEXT_PREFIX.length()), message.header(header));
            }
        }
        return new Command(message.messageId(), message.type(), message.requiredHeader(SagaHeaders.SAGA_ID),
                message.header(SagaHeaders.BUSINESS_KEY), message.requiredHeader(SagaHeaders.STEP), op, attempt,
                message.replyTo(), payload, context);
    }

    /** A required text field of the payload. */
    public String text(String field) {
        JsonNode value = payload.get(field);
        if (value == null || value.isNull() || value.asText().isBlank()) {
            throw new InvalidCommandException(field, "is required");
        }
        return value.asText();
    }

    /** A required whole number field of the payload. */
    public long wholeNumber(String field) {
        JsonNode value = payload.get(field);
        if (value == null || !value.canConvertToLong() || !value.isIntegralNumber()) {
            throw new InvalidCommandException(field, "must be a whole number");
        }
        return value.asLong();
    }

    /** A required decimal field of the payload (JSON number or numeric text). */
    public BigDecimal decimal(String field) {
        JsonNode value = payload.get(field);
        try {
            if (value != null && value.isNumber()) {
                return value.decimalValue();
            }
            if (value != null && value.isTextual()) {
                return new BigDecimal(value.asText());
            }
        } catch (NumberFormatException ignored) {
            // falls through to the same answer as a missing field
        }
        throw new InvalidCommandException(field, "must be a decimal number");
    }
}
