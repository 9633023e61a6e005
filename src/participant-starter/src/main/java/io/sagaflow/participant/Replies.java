package io.sagaflow.participant;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.ReplyBody;
import io.sagaflow.contract.SagaHeaders;
import io.sagaflow.contract.Topology;
import io.sagaflow.outbox.Outbox;
import io.sagaflow.outbox.OutboxMessage;
import org.springframework.stereotype.Component;

/** Writes a participant's reply into its outbox, echoing what the orchestrator needs to correlate. */
@Component
class Replies {

    private final Outbox outbox;
    private final ObjectMapper objectMapper;
    private final Clock clock;

    Replies(Outbox outbox, ObjectMapper objectMapper, Clock clock) {
        this.outbox = outbox;
        this.objectMapper = objectMapper;
        this.clock = clock;
    }

    void send(String participant, Command command, ReplyBody reply) {
        send(participant, command, reply, Duration.ZERO);
    }

    void send(String participant, Command command, ReplyBody reply, Duration delay) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(SagaHeaders.SAGA_ID, command.sagaId());
        if (command.businessKey() != null) {
            headers.put(SagaHeaders.BUSINESS_KEY, command.businessKey());
        }
        headers.put(SagaHeaders.STEP, command.step());
        headers.put(SagaHeaders.OP, command.op().name());
        headers.put(SagaHeaders.ATTEMPT, Integer.toString(command.attempt()));
        headers.put(SagaHeaders.OUTCOME, reply.outcome().name());
        // Ordered per participant and saga. A deliberately held-back reply leaves out of order, so it
        // holds up neither this participant's later replies nor the orchestrator's messages.
        String orderingKey = delay.isZero() ? participant + "/" + command.sagaId() : null;
        outbox.append(OutboxMessage.to(Topology.REPLIES_EXCHANGE, command.replyTo(), command.type() + ".reply",
                                toJson(reply))
                        .orderedBy(orderingKey).correlatedWith(command.messageId()).withHeaders(headers),
                clock.instant().plus(delay));
    }

    private String toJson(ReplyBody reply) {
        try {
            return objectMapper.writeValueAsString(reply);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("reply is not serializable", e);
        }
    }
}
