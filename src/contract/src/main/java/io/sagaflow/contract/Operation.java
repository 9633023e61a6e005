package io.sagaflow.contract;

/** What a command asks of a participant: do the step, or undo it. */
public enum Operation {
    ACTION,
    COMPENSATION
}
