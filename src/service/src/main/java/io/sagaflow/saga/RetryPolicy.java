package io.sagaflow.saga;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * A forward step's retry policy, from its inputs ({@code retryMaxAttempts} and the others below):
 * a technical-failure reply or a missed deadline sends the step's command again after a backoff,
 * until {@code maxAttempts} attempts (the first included) or the time budget are used up; then the
 * step does what {@code onExhausted} says. Without {@code retryMaxAttempts} a step has no policy and
 * behaves as always (a technical failure is an incident, a missed deadline compensates).
 *
 * @param backoff {@code fixed}: every wait is {@code initialDelay}; {@code exponential}: it doubles
 *     from {@code initialDelay} for every attempt
 * @param maxDelay no wait is longer (before the jitter)
 * @param jitter each wait is moved by up to this fraction of it, either way (0 to 1), so that the
 *     retries of many sagas after one outage do not arrive together
 * @param budget no retry is scheduled later than this after the first attempt was sent ({@code null}: none)
 */
record RetryPolicy(int maxAttempts, Backoff backoff, Duration initialDelay, Duration maxDelay, double jitter,
                   Duration budget, OnExhausted onExhausted) {

    static final String MAX_ATTEMPTS = "retryMaxAttempts";
    static final String BACKOFF = "retryBackoff";
    static final String INITIAL_DELAY = "retryInitialDelay";
    static final String MAX_DELAY = "retryMaxDelay";
    static final String JITTER = "retryJitter";
    static final String BUDGET = "retryBudget";
    static final String ON_EXHAUSTED = "retryOnExhausted";

    enum Backoff { FIXED, EXPONENTIAL }

    /** What a step does once its retries are used up. */
    enum OnExhausted {
        /** An incident on the step, for an operator (Retry sends the command once more). */
        INCIDENT,
        /** The saga compensates, as after a rejection (a missed deadline: the step too). */
        COMPENSATE,
        /** The step's participant is paused and the step waits for its resume (docs/operations.md). */
        PAUSE
    }

    /**
     * The policy the step's inputs describe, or {@code null} without {@value #MAX_ATTEMPTS}.
     *
     * @throws IllegalArgumentException naming the input that is wrong
     */
    static RetryPolicy of(Function<String, Object> input) {
        Object maxAttempts = input.apply(MAX_ATTEMPTS);
        if (maxAttempts == null || String.valueOf(maxAttempts).isBlank()) {
            return null;
        }
        int attempts;
        try {
            attempts = Integer.parseInt(String.valueOf(maxAttempts).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(MAX_ATTEMPTS + " is a whole number of attempts, not " + maxAttempts);
        }
        if (attempts < 1 || attempts > 100) {
            throw new IllegalArgumentException(MAX_ATTEMPTS + " is 1 to 100 attempts (the first included), not " + attempts);
        }
        Backoff backoff = choice(input, BACKOFF, Backoff.class, Backoff.EXPONENTIAL);
        Duration initial = duration(input, INITIAL_DELAY, Duration.ofSeconds(1));
        Duration max = duration(input, MAX_DELAY, Duration.ofMinutes(5));
        if (max.compareTo(initial) < 0) {
            throw new IllegalArgumentException(MAX_DELAY + " (" + max + ") is shorter than " + INITIAL_DELAY + " (" + initial + ")");
        }
        double jitter = 0.2;
        Object jitterValue = input.apply(JITTER);
        if (jitterValue != null && !String.valueOf(jitterValue).isBlank()) {
            try {
                jitter = Double.parseDouble(String.valueOf(jitterValue).trim());
            } catch (NumberFormatException e) {
                jitter = -1;
            }
            if (jitter < 0 || jitter > 1) {
                throw new IllegalArgumentException(JITTER + " is a fraction from 0 to 1, not " + jitterValue);
            }
        }
        Duration budget = input.apply(BUDGET) == null || String.valueOf(input.apply(BUDGET)).isBlank() ? null
                : duration(input, BUDGET, null);
        return new RetryPolicy(attempts, backoff, initial, max, jitter, budget,
                choice(input, ON_EXHAUSTED, OnExhausted.class, OnExhausted.INCIDENT));
    }

    /**
     * When to send the next attempt after {@code attemptsSoFar} attempts, the first sent at
     * {@code firstSentAt}; empty once the attempts or the budget are used up.
     *
     * @param random a number in [0, 1) for the jitter
     */
    Optional<Instant> nextTry(int attemptsSoFar, Instant firstSentAt, Instant now, double random) {
        if (attemptsSoFar >= maxAttempts) {
            return Optional.empty();
        }
        Instant at = now.plus(delayBefore(attemptsSoFar + 1, random));
        if (budget != null && at.isAfter(firstSentAt.plus(budget))) {
            return Optional.empty();
        }
        return Optional.of(at);
    }

    /** The wait before attempt {@code attempt} (2 is the first retry). */
    Duration delayBefore(int attempt, double random) {
        Duration base = initialDelay;
        if (backoff == Backoff.EXPONENTIAL) {
            for (int i = 2; i < attempt && base.compareTo(maxDelay) < 0; i++) {
                base = base.multipliedBy(2);
            }
        }
        if (base.compareTo(maxDelay) > 0) {
            base = maxDelay;
        }
        long millis = base.toMillis();
        return Duration.ofMillis(Math.round(millis * (1 + jitter * (2 * random - 1))));
    }

    private static Duration duration(Function<String, Object> input, String name, Duration fallback) {
        Object value = input.apply(name);
        if (value == null || String.valueOf(value).isBlank()) {
            return fallback;
        }
        try {
            Duration duration = Duration.parse(String.valueOf(value).trim());
            if (duration.isNegative() || duration.isZero()) {
                throw new IllegalArgumentException(name + " must be positive, not " + value);
            }
            return duration;
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(name + " is an ISO-8601 duration such as PT30S, not " + value);
        }
    }

    private static <E extends Enum<E>> E choice(Function<String, Object> input, String name, Class<E> type, E fallback) {
        Object value = input.apply(name);
        if (value == null || String.valueOf(value).isBlank()) {
            return fallback;
        }
        try {
            return Enum.valueOf(type, String.valueOf(value).trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            StringBuilder allowed = new StringBuilder();
            for (E constant : type.getEnumConstants()) {
                allowed.append(allowed.length() == 0 ? "" : ", ").append(constant.name().toLowerCase(Locale.ROOT));
            }
            throw new IllegalArgumentException(name + " is one of " + allowed + ", not " + value);
        }
    }
}
