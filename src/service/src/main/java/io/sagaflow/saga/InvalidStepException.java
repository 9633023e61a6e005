package io.sagaflow.saga;

/**
 * A step cannot send its command as modelled: a required input parameter is missing, the deadline
 * is not a duration, the payload is over the size limit. Retrying does not help, so the behaviour
 * turns it into an incident on the step at once (fix the model or the data, then Retry).
 */
class InvalidStepException extends IllegalStateException {

    InvalidStepException(String message) {
        super(message);
    }

    InvalidStepException(String message, Throwable cause) {
        super(message, cause);
    }
}
