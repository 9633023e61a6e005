package io.sagaflow.txmessage.client;

/** The producer client could not hand a message to Sagaflow, or a check-back decided before it could. */
public class TxMessageException extends RuntimeException {

    public TxMessageException(String message) {
        super(message);
    }

    public TxMessageException(String message, Throwable cause) {
        super(message, cause);
    }
}
