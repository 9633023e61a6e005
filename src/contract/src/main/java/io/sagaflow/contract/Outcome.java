package io.sagaflow.contract;

/** How a participant answered a command. */
public enum Outcome {
    /** The local transaction committed. */
    SUCCESS,
    /** A business rule refused the command (out of stock, card declined); the saga compensates. */
    BUSINESS_FAILURE,
    /** The participant could not process the command after its retries; the step raises an incident. */
    TECHNICAL_FAILURE
}
