package io.sagaflow.ops;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.messaging.ParkedMessages;
import io.sagaflow.outbox.OutboxAdmin;
import io.sagaflow.outbox.OutboxMessage;
import io.sagaflow.web.ApiException;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The operator's repair endpoints for messages: outbox rows that FAILED, and parked inbound
 * messages. Each repair is one call (see docs/operations.md).
 */
@RestController
@RequestMapping("/api")
@Validated
class RepairController {

    private final OutboxAdmin outboxAdmin;
    private final ParkedMessages parked;
    private final ObjectMapper objectMapper;

    RepairController(OutboxAdmin outboxAdmin, ParkedMessages parked, ObjectMapper objectMapper) {
        this.outboxAdmin = outboxAdmin;
        this.parked = parked;
        this.objectMapper = objectMapper;
    }

    @GetMapping("/outbox/failed")
    List<OutboxAdmin.FailedMessage> failedOutboxMessages(
            @RequestParam(defaultValue = "100") @Min(1) @Max(1000) int limit) {
        return outboxAdmin.failed(limit);
    }

    /** FAILED → PENDING with a fresh attempt budget; the relay publishes it at once. */
    @PostMapping("/outbox/{messageId}/requeue")
    ResponseEntity<Void> requeue(@PathVariable String messageId) {
        if (!outboxAdmin.requeue(messageId)) {
            throw outboxAdmin.exists(messageId)
                    ? ApiException.conflict("outbox message " + messageId + " is not FAILED")
                    : ApiException.notFound("no outbox message " + messageId);
        }
        return ResponseEntity.accepted().build();
    }

    @GetMapping("/parked-messages")
    List<ParkedMessages.ParkedMessage> parkedMessages(
            @RequestParam(defaultValue = "100") @Min(1) @Max(1000) int limit) {
        return parked.list(limit);
    }

    /**
     * Publishes the parked message again, unchanged, to the queue it came from (through the outbox,
     * so removing it from the parking table and re-publishing it are one transaction).
     */
    @PostMapping("/parked-messages/{id}/replay")
    @Transactional
    public ResponseEntity<Void> replay(@PathVariable long id) {
        ParkedMessages.ParkedMessage message = parked.find(id)
                .orElseThrow(() -> ApiException.notFound("no parked message " + id));
        if (message.payload() == null) {
            throw ApiException.conflict("parked message " + id + " has no stored body (it was over the size limit)");
        }
        outboxAdmin.republish(new OutboxMessage(
                message.messageId() != null ? message.messageId() : OutboxMessage.newMessageId(), null, "",
                message.queue(), message.type() != null ? message.type() : "unknown", message.correlationId(),
                message.replyTo(), textHeaders(message.headers()), message.payload()));
        parked.remove(id);
        return ResponseEntity.accepted().build();
    }

    private Map<String, String> textHeaders(String json) {
        if (json == null) {
            return Map.of();
        }
        try {
            Map<String, Object> headers = objectMapper.readValue(json, new TypeReference<Map<String, Object>>() { });
            return headers.entrySet().stream().filter(header -> header.getValue() != null)
                    .collect(Collectors.toMap(Map.Entry::getKey, header -> header.getValue().toString()));
        } catch (JsonProcessingException e) {
            throw ApiException.conflict("headers of the parked message are unreadable: " + e.getOriginalMessage());
        }
    }
}
