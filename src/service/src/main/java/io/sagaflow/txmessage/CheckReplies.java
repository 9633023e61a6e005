package io.sagaflow.txmessage;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.TxMessageProtocol;
import io.sagaflow.errors.DomainException;
import io.sagaflow.messaging.InboundMessage;
import io.sagaflow.messaging.PoisonMessageException;
import io.sagaflow.messaging.TransactionalConsumer;
import io.sagaflow.txmessage.client.CheckAnswer;
import org.springframework.stereotype.Component;

/**
 * Producers' answers to check-backs (queue {@value TxMessageProtocol#CHECK_REPLIES_QUEUE}).
 * COMMIT and ROLLBACK decide a HALF or PARKED message like the producer's own request; UNKNOWN is
 * recorded and the next check is already scheduled. An answer that contradicts an earlier decision,
 * or names an unknown message, is parked for an operator to see.
 */
@Component
class CheckReplies implements TransactionalConsumer.Handler {

    private final TxMessages messages;
    private final ObjectMapper objectMapper;

    CheckReplies(TxMessages messages, ObjectMapper objectMapper) {
        this.messages = messages;
        this.objectMapper = objectMapper;
    }

    @Override
    public void handle(InboundMessage message) {
        JsonNode body = message.bodyAsJson(objectMapper, "check-back answer is not JSON");
        String id = body.hasNonNull("id") ? body.get("id").asText() : message.correlationId();
        if (id == null || id.isBlank()) {
            throw new PoisonMessageException("check-back answer without id or correlation_id");
        }
        CheckAnswer answer = answer(body);
        try {
            switch (answer) {
                case COMMIT -> messages.decide(id, Decision.COMMIT, DecidedBy.CHECK_BACK);
                case ROLLBACK -> messages.decide(id, Decision.ROLLBACK, DecidedBy.CHECK_BACK);
                case UNKNOWN -> messages.recordUnknownAnswer(id);
            }
        } catch (DomainException refused) {
            throw new PoisonMessageException("check-back answer " + answer + " for " + id + " refused: "
                    + refused.getMessage(), refused);
        }
    }

    private static CheckAnswer answer(JsonNode body) {
        String decision = body != null && body.hasNonNull("decision") ? body.get("decision").asText() : null;
        try {
            return CheckAnswer.valueOf(String.valueOf(decision));
        } catch (IllegalArgumentException e) {
            throw new PoisonMessageException("check-back answer has decision '" + decision
                    + "': expected COMMIT, ROLLBACK or UNKNOWN");
        }
    }
}
