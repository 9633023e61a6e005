package io.sagaflow.participant;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.messaging.ReplyBody;
import io.sagaflow.messaging.SagaHeaders;
import io.sagaflow.messaging.Topology;
import io.sagaflow.outbox.Outbox;
import io.sagaflow.outbox.OutboxMessage;
import org.springframework.stereotype.Component;

/** Writes a participant's reply into its outbox, echoing what the orchestrator needs to correlate. */
@Component
class Replies {

    private final Outbox outbox;
    private final ObjectMapper objectMapper;

    Replies(Outbox outbox, ObjectMapper objectMapper) {
        this.outbox = outbox;
        this.objectMapper = objectMapper;
    }

    void send(Command command, ReplyBody reply) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(SagaHeaders.SAGA_ID, command.sagaId());
        if (command.businessKey() != null) {
            headers.put(SagaHeaders.BUSINESS_KEY, command.businessKey());
        }
        headers.put(SagaHeaders.STEP, command.step());
        headers.put(SagaHeaders.OP, command.op().name());
        headers.put(SagaHeaders.ATTEMPT, Integer.toString(command.attempt()));
        headers.put(SagaHeaders.OUTCOME, reply.outcome().name());
        outbox.append(new OutboxMessage(OutboxMessage.newMessageId(), command.sagaId(), Topology.REPLIES_EXCHANGE,
                command.replyTo(), command.type() + ".reply", command.messageId(), null, headers, toJson(reply)));
    }

    private String toJson(ReplyBody reply) {
        try {
            return objectMapper.writeValueAsString(reply);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("reply is not serializable", e);
        }
    }
}
