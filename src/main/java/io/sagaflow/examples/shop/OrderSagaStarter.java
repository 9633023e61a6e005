package io.sagaflow.examples.shop;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.messaging.InboundMessage;
import io.sagaflow.messaging.PoisonMessageException;
import io.sagaflow.messaging.TransactionalConsumer;
import io.sagaflow.roles.ConditionalOnParticipantRole;
import io.sagaflow.saga.Sagas;
import io.sagaflow.web.ApiException;
import org.springframework.stereotype.Component;

/**
 * Starts an order-fulfillment saga per OrderPlaced event. The saga start and the inbox row (keyed
 * by the event's message id, i.e. the transactional message's id) commit together, so a redelivered
 * event starts nothing; the business key is the shop's order id, so a second event for the same
 * order (another message id) starts nothing either, as a second REST start would not: with the same
 * contents it is acknowledged, with other contents it is parked with the reason.
 */
@ConditionalOnParticipantRole("shop")
@Component
class OrderSagaStarter implements TransactionalConsumer.Handler {

    private final Sagas sagas;
    private final ObjectMapper objectMapper;

    OrderSagaStarter(Sagas sagas, ObjectMapper objectMapper) {
        this.sagas = sagas;
        this.objectMapper = objectMapper;
    }

    @Override
    public void handle(InboundMessage message) {
        JsonNode event;
        try {
            event = objectMapper.readTree(message.body());
        } catch (IOException e) {
            throw new PoisonMessageException("OrderPlaced is not JSON: " + e.getMessage(), e);
        }
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("orderId", text(event, "orderId"));
        variables.put("customerId", text(event, "customerId"));
        variables.put("sku", text(event, "sku"));
        variables.put("quantity", number(event, "quantity").intValue());
        variables.put("amount", number(event, "amount").doubleValue());
        variables.put("country", text(event, "country"));
        try {
            sagas.start(OrderController.PROCESS_KEY, variables); // the same order again: its saga is the answer
        } catch (ApiException refused) {
            // Another OrderPlaced for an order id whose saga has other input: retrying cannot help.
            throw new PoisonMessageException("OrderPlaced refused: " + refused.getMessage(), refused);
        }
    }

    private static String text(JsonNode event, String field) {
        JsonNode value = event == null ? null : event.get(field);
        if (value == null || !value.isTextual() || value.asText().isBlank()) {
            throw new PoisonMessageException("OrderPlaced without " + field);
        }
        return value.asText();
    }

    private static Number number(JsonNode event, String field) {
        JsonNode value = event == null ? null : event.get(field);
        if (value == null || !value.isNumber()) {
            throw new PoisonMessageException("OrderPlaced without numeric " + field);
        }
        return value.numberValue();
    }
}
