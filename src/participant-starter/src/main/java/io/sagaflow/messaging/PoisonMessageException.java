package io.sagaflow.messaging;

/**
 * Thrown by a handler for a message that no retry can fix (not JSON, unknown type, missing
 * headers). The consumer parks the message with this reason instead of retrying it.
 */
public class PoisonMessageException extends RuntimeException {

    public PoisonMessageException(String reason) {
        super(reason);
    }

    public PoisonMessageException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
