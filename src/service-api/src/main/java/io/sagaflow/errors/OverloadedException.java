package io.sagaflow.errors;

import java.time.Duration;
import java.util.Map;

/**
 * The service is past the load it can finish and refuses new work for now: nothing was written, and
 * the same request sent again after {@link #retryAfter()} may be accepted (503 with
 * {@code Retry-After}; an AMQP start waits in its queue instead).
 */
public final class OverloadedException extends DomainException {

    private final Duration retryAfter;

    public OverloadedException(String detail, Duration retryAfter) {
        super(null, detail, Map.of("retryAfterSeconds", retryAfter.toSeconds()));
        this.retryAfter = retryAfter;
    }

    /** When to try again: whole seconds, at least one. */
    public Duration retryAfter() {
        return retryAfter;
    }

    @Override
    public String kind() {
        return "overloaded";
    }
}
