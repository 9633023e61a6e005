package io.sagaflow.txmessage;


import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.TxMessageProtocol;
import io.sagaflow.errors.DomainException;
import io.sagaflow.errors.NotFoundException;
import io.sagaflow.messaging.InboundMessage;
import io.sagaflow.messaging.PoisonMessageException;
import io.sagaflow.messaging.TransactionalConsumer;
import org.springframework.stereotype.Component;

/**
 * Prepare, commit and rollback over AMQP (queue {@value TxMessageProtocol#REQUESTS_QUEUE}), inside
 * the consumer's inbox transaction. The same rules as the REST API; what REST answers with a 4xx
 * is parked here with the reason, except an unknown id: a commit may overtake its prepare between
 * two consumers, so that one is retried (and parked only when retries are exhausted).
 */
@Component
class ProducerRequests implements TransactionalConsumer.Handler {

    private final TxMessages messages;
    private final ObjectMapper objectMapper;

    ProducerRequests(TxMessages messages, ObjectMapper objectMapper) {
        this.messages = messages;
        this.objectMapper = objectMapper;
    }

    @Override
    public void handle(InboundMessage message) {
        String operation = message.type();
        if (operation == null) {
            throw new PoisonMessageException("missing AMQP type: one of prepare, commit, rollback");
        }
        try {
            switch (operation) {
                case TxMessageProtocol.PREPARE -> messages.prepare(read(message, PrepareRequest.class));
                case TxMessageProtocol.COMMIT -> messages.decide(id(message), Decision.COMMIT, DecidedBy.PRODUCER);
                case TxMessageProtocol.ROLLBACK -> messages.decide(id(message), Decision.ROLLBACK, DecidedBy.PRODUCER);
                default -> throw new PoisonMessageException("unknown type '" + operation
                        + "': expected prepare, commit or rollback");
            }
        } catch (NotFoundException unknown) {
            throw new IllegalStateException(operation + " before its prepare was stored: " + unknown.getMessage(),
                    unknown);
        } catch (DomainException refused) {
            throw new PoisonMessageException(operation + " refused (" + refused.kind() + "): "
                    + (refused.field() != null ? refused.field() + " " : "") + refused.getMessage(), refused);
        }
    }

    /** The id from the body ({@code {"id": ...}}), else the correlation id. */
    private String id(InboundMessage message) {
        JsonNode body = message.body() == null || message.body().isBlank() ? null : read(message, JsonNode.class);
        String id = body != null && body.hasNonNull("id") ? body.get("id").asText() : message.correlationId();
        if (id == null || id.isBlank()) {
            throw new PoisonMessageException("no transactional message id in the body or correlation_id");
        }
        return id;
    }

    private <T> T read(InboundMessage message, Class<T> type) {
        return message.bodyAs(objectMapper, type, "body is not the expected JSON");
    }
}
