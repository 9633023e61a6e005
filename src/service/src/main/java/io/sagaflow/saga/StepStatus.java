package io.sagaflow.saga;

/**
 * Lifecycle of one command a step activity sent (drawn in docs/architecture.md).
 * <pre>
 * QUEUED  -> WAITING                  a compensation whose turn has come (reverse order)
 * WAITING -> SUCCEEDED | REJECTED | FAILED   the participant's reply
 * WAITING -> OVERDUE                  its deadline passed: a deadline-passed message joins the replies queue
 * OVERDUE -> SUCCEEDED | REJECTED | FAILED    a reply queued before that message is still the answer
 * OVERDUE -> TIMED_OUT                the deadline-passed message came first: no reply within the deadline
 * WAITING | OVERDUE -> CANCELLED      operator abort
 * WAITING | OVERDUE -> UNDELIVERED    the broker returned the command: no queue is bound for it
 * </pre>
 * Every state but QUEUED, WAITING and OVERDUE is final; replies to a command in a final state are stale.
 */
enum StepStatus {
    QUEUED,
    WAITING,
    OVERDUE,
    SUCCEEDED,
    REJECTED,
    FAILED,
    TIMED_OUT,
    CANCELLED,
    /** Never reached a participant (unroutable): the step is in an incident, and needs no compensation. */
    UNDELIVERED
}
