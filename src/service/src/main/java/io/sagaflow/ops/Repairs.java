package io.sagaflow.ops;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.errors.ConflictException;
import io.sagaflow.errors.NotFoundException;
import io.sagaflow.messaging.ParkedMessages;
import io.sagaflow.outbox.OutboxAdmin;
import io.sagaflow.contract.SagaHeaders;
import io.sagaflow.outbox.OutboxMessage;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * The two message repairs, shared by the repair API and the Cockpit tab: requeue a FAILED outbox
 * row, replay a parked message.
 */
@Service
public class Repairs {

    private final OutboxAdmin outboxAdmin;
    private final ParkedMessages parked;
    private final ObjectMapper objectMapper;
    /** Reads saga_step: a repair is the service's, which has the orchestrator's tables. */
    private final JdbcTemplate jdbc;

    Repairs(OutboxAdmin outboxAdmin, ParkedMessages parked, ObjectMapper objectMapper, JdbcTemplate jdbc) {
        this.jdbc = jdbc;
        this.outboxAdmin = outboxAdmin;
        this.parked = parked;
        this.objectMapper = objectMapper;
    }

    /**
     * FAILED → PENDING with a fresh attempt budget; the relay publishes it at once.
     *
     * @return the saga the message belongs to, if any
     */
    public String requeue(String messageId) {
        String endedStep = endedStepOf(messageId);
        if (endedStep != null) {
            throw new ConflictException("outbox message " + messageId + " is the command of a step that has ended ("
                    + endedStep + "): nobody waits for its answer, so sending it now could leave an effect nobody "
                    + "undoes. Retry the step's incident instead, or leave it");
        }
        if (!outboxAdmin.requeue(messageId)) {
            throw outboxAdmin.exists(messageId)
                    ? new ConflictException("outbox message " + messageId + " is not FAILED")
                    : new NotFoundException("no outbox message " + messageId);
        }
        return outboxAdmin.sagaOf(messageId);
    }

    /**
     * Publishes the parked message again, unchanged, to the queue it came from (through the outbox,
     * so removing it from the parking table and re-publishing it are one transaction).
     */
    @Transactional
    public String replay(long id) {
        ParkedMessages.ParkedMessage message = parked.find(id)
                .orElseThrow(() -> new NotFoundException("no parked message " + id));
        if (message.payload() == null) {
            throw new ConflictException("parked message " + id + " has no stored body (it was over the size limit)");
        }
        // To the queue it was parked from, through the default exchange, under its own id.
        outboxAdmin.republish(OutboxMessage.to("", message.queue(), message.type() != null ? message.type() : "unknown",
                        message.payload())
                .withId(message.messageId() != null ? message.messageId() : OutboxMessage.newMessageId())
                .correlatedWith(message.correlationId()).replyingTo(message.replyTo())
                .withHeaders(textHeaders(message.headers())));
        parked.remove(id);
        return textHeaders(message.headers()).get(SagaHeaders.SAGA_ID);
    }

    /**
     * The step this row is the command of, with its status, if that step no longer waits for an
     * answer ({@code null}: no saga step, or one still waiting: WAITING, OVERDUE, UNDELIVERED, QUEUED).
     */
    private String endedStepOf(String messageId) {
        List<String> ended = jdbc.queryForList("""
                SELECT step || ' ' || status FROM sagaflow.saga_step
                WHERE command_id = ? AND status NOT IN ('WAITING', 'OVERDUE', 'UNDELIVERED', 'QUEUED')
                """, String.class, messageId);
        return ended.isEmpty() ? null : ended.get(0);
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
            throw new ConflictException("headers of the parked message are unreadable: " + e.getOriginalMessage());
        }
    }
}
