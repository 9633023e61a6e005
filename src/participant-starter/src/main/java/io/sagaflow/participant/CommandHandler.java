package io.sagaflow.participant;

import io.sagaflow.contract.ReplyBody;

/**
 * A participant's local transaction for one command type. It runs inside the transaction that
 * also records the inbox row, the barrier and the reply, so it must use the same database.
 * Return {@link ReplyBody#businessFailure} for a business rejection; throw for a technical problem
 * (it is retried with backoff, then answered TECHNICAL_FAILURE).
 */
@FunctionalInterface
public interface CommandHandler {

    ReplyBody handle(Command command);
}
