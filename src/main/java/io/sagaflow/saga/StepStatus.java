package io.sagaflow.saga;

/** Lifecycle of one command a step sent: WAITING, then exactly one of the three answers. */
enum StepStatus {
    WAITING,
    SUCCEEDED,
    REJECTED,
    FAILED
}
