package io.sagaflow.saga;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.SagaHeaders;
import io.sagaflow.contract.Topology;
import io.sagaflow.outbox.OutboxMessage;
import io.sagaflow.start.SagaStatus;
import org.springframework.stereotype.Component;

/**
 * Saga-end events: {@code saga.completed}, {@code saga.compensated} and {@code saga.failed}, published
 * through the outbox to the topic exchange {@value Topology#EVENTS_EXCHANGE} with routing key
 * {@code <processKey>.<status>} (e.g. {@code order-fulfillment.compensated}), so a caller subscribes
 * instead of polling. They are written in the transaction that ends the saga (or raises its
 * incident), ordered after the saga's commands, and broadcast: with no subscriber they are dropped
 * by the broker, not retried.
 */
@Component
class SagaEvents {

    /** AMQP type prefix; the full type is {@code saga.<status>}. */
    static final String TYPE_PREFIX = "saga.";

    private final ObjectMapper objectMapper;

    SagaEvents(ObjectMapper objectMapper) {
        this.objectMapper = objectMapper;
    }

    static String routingKey(String processKey, SagaStatus status) {
        return processKey + "." + status.name().toLowerCase(Locale.ROOT);
    }

    OutboxMessage sagaEvent(SagaRegistry.SagaRecord saga) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("sagaId", saga.sagaId());
        body.put("processKey", saga.processKey());
        body.put("businessKey", saga.businessKey());
        body.put("status", saga.status().name());
        body.put("reason", saga.reason());
        body.put("startedAt", saga.startedAt().toString());
        body.put("endedAt", saga.endedAt() == null ? null : saga.endedAt().toString());
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(SagaHeaders.SAGA_ID, saga.sagaId());
        headers.put(SagaHeaders.PROCESS_KEY, saga.processKey());
        if (saga.businessKey() != null) {
            headers.put(SagaHeaders.BUSINESS_KEY, saga.businessKey());
        }
        return OutboxMessage.to(Topology.EVENTS_EXCHANGE, routingKey(saga.processKey(), saga.status()),
                        TYPE_PREFIX + saga.status().name().toLowerCase(Locale.ROOT), json(body))
                .orderedBy(saga.sagaId()).withHeaders(headers).asBroadcast();
    }

    private String json(Map<String, Object> body) {
        try {
            return objectMapper.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("saga event not serializable", e);
        }
    }
}
