package io.sagaflow.txmessage.client;

/** A producer's answer to a check-back, read from its own records. */
public enum CheckAnswer {
    /** The local transaction committed: deliver the message. */
    COMMIT,
    /** The local transaction rolled back (or can no longer commit): discard the message. */
    ROLLBACK,
    /** The producer cannot tell yet (its local transaction still runs); Sagaflow asks again later. */
    UNKNOWN
}
