package io.sagaflow.txmessage;

/** What became of the latest check-back of a message, for operators (column {@code last_check_result}). */
enum CheckResult {
    /** Published and confirmed by the broker; no answer yet. */
    SENT,
    /** No queue is bound for the producer group: no producer of that group has run (RabbitMQ). */
    UNROUTABLE,
    /**
     * The broker nacked the check or did not confirm it in time; the embedded Qpid broker also nacks
     * a check no queue is bound for.
     */
    NOT_CONFIRMED,
    /** The broker could not be reached; this check was not counted. */
    BROKER_UNREACHABLE,
    /** The producer answered that it cannot tell yet. */
    UNKNOWN,
    /** The producer answered COMMIT. */
    COMMIT,
    /** The producer answered ROLLBACK. */
    ROLLBACK
}
