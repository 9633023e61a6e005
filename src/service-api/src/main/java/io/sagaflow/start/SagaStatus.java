package io.sagaflow.start;

/** A saga's status, as {@code GET /api/sagas/{id}} and every start answer report it. */
public enum SagaStatus {
    /** Steps are executing or waiting for replies. */
    RUNNING,
    /** Every step succeeded. */
    COMPLETED,
    /** A step was rejected (or the saga aborted) and the completed steps were compensated. */
    COMPENSATED,
    /** Waiting in an incident for an operator, or terminated without compensation. */
    FAILED
}
