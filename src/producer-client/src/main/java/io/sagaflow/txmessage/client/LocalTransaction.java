package io.sagaflow.txmessage.client;

/**
 * The producer's business change, run inside its local database transaction together with the
 * record of the message's outcome. Throwing rolls both back, and the message is discarded.
 */
@FunctionalInterface
public interface LocalTransaction {

    /** @param messageId the transactional message's id, to store with the business data if useful */
    void execute(String messageId);
}
