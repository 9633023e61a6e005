package io.sagaflow.saga;

/**
 * Lifecycle of one command a step activity sent (drawn in docs/architecture.md).
 * <pre>
 * QUEUED  -> WAITING                  a compensation whose turn has come (reverse order)
 * WAITING -> SUCCEEDED | REJECTED | FAILED   the participant's reply
 * WAITING -> TIMED_OUT                no reply within the step's deadline
 * WAITING -> CANCELLED                operator abort
 * </pre>
 * Every state but QUEUED and WAITING is final; replies to a command in a final state are stale.
 */
enum StepStatus {
    QUEUED,
    WAITING,
    SUCCEEDED,
    REJECTED,
    FAILED,
    TIMED_OUT,
    CANCELLED
}
