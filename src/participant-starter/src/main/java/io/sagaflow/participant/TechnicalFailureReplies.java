package io.sagaflow.participant;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.ReplyBody;
import io.sagaflow.messaging.InboundMessage;
import io.sagaflow.messaging.Inbox;
import io.sagaflow.messaging.ListenerContainers;
import io.sagaflow.messaging.ParkedMessages;
import io.sagaflow.messaging.PoisonMessageException;
import io.sagaflow.tracing.SagaTracing;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.rabbit.retry.MessageRecoverer;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * What a participant does when a handler keeps failing technically: it answers TECHNICAL_FAILURE
 * (with the error text), so the saga shows an incident on the step instead of waiting blind. The
 * answer is not stored in the barrier: a re-sent command may succeed.
 */
@Component
class TechnicalFailureReplies {

    private static final Logger log = LoggerFactory.getLogger(TechnicalFailureReplies.class);

    private final TransactionTemplate transactions;
    private final Inbox inbox;
    private final Replies replies;
    private final ParkedMessages parked;
    private final ObjectMapper objectMapper;
    private final SagaTracing tracing;

    TechnicalFailureReplies(TransactionTemplate transactions, Inbox inbox, Replies replies, ParkedMessages parked,
                            ObjectMapper objectMapper, SagaTracing tracing) {
        this.tracing = tracing;
        this.transactions = transactions;
        this.inbox = inbox;
        this.replies = replies;
        this.parked = parked;
        this.objectMapper = objectMapper;
    }

    MessageRecoverer recovererFor(Participant participant) {
        return (amqpMessage, cause) -> {
            InboundMessage message = InboundMessage.of(amqpMessage);
            String reason = ListenerContainers.rootCauseText(cause);
            Command command;
            try {
                command = Command.from(message, objectMapper);
            } catch (PoisonMessageException unreadable) {
                parked.park(participant.name(), message, "retries exhausted: " + reason);
                return;
            }
            log.warn("{} failed technically on {} of saga {} after retries: {}", participant.name(), command.type(),
                    command.sagaId(), reason);
            // After the retries, outside their spans: the failure reply continues the command's trace.
            tracing.consuming("give up " + command.type(), message.headers(), () ->
                    transactions.executeWithoutResult(status -> {
                        if (inbox.recordFirstDelivery(participant.name(), command.messageId())) {
                            replies.send(participant.name(), command, ReplyBody.technicalFailure(reason));
                        }
                    }));
        };
    }
}
