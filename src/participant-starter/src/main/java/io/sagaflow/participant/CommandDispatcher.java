package io.sagaflow.participant;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.ReplyBody;
import io.sagaflow.messaging.InboundMessage;
import io.sagaflow.messaging.PoisonMessageException;
import io.sagaflow.messaging.TransactionalConsumer;

/**
 * One participant's consumer, inside the inbox transaction: parse the command, pass it through the
 * barrier to its handler, and write the answer to the outbox. Everything commits together.
 */
final class CommandDispatcher implements TransactionalConsumer.Handler {

    private final Participant participant;
    private final Barrier barrier;
    private final Replies replies;
    private final ObjectMapper objectMapper;

    CommandDispatcher(Participant participant, Barrier barrier, Replies replies, ObjectMapper objectMapper) {
        this.participant = participant;
        this.barrier = barrier;
        this.replies = replies;
        this.objectMapper = objectMapper;
    }

    /**
     * The barrier, keyed by (participant, saga, step, op), already answers every repeat of a command
     * with the first answer and no second effect, whatever its message id: a redelivered copy (same
     * id) is answered again like a re-sent one (new id), so commands write no inbox row (one insert
     * per command, docs/performance.md). Racing copies collide on the barrier's primary key.
     */
    @Override
    public boolean deduplicatesItself() {
        return true;
    }

    @Override
    public void handle(InboundMessage message) {
        Command command = Command.from(message, objectMapper);
        CommandHandler handler = participant.handlerFor(command.type())
                .orElseThrow(() -> new PoisonMessageException("participant " + participant.name()
                        + " has no handler for " + command.type()));
        ReplyBody reply = barrier.guard(participant.name(), command, () -> {
            try {
                return handler.handle(command);
            } catch (InvalidCommandException invalid) {
                return ReplyBody.businessFailure(invalid.getMessage());
            }
        });
        replies.send(participant.name(), command, reply, participant.replyDelay(command));
    }
}
