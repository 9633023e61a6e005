package io.sagaflow.admission;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The {@code Retry-After} of a refused start. Refused clients that all came back after the same
 * second would arrive together and be refused together, again and again, and the refusals alone
 * would cost the service the CPU it is short of. So each refusal gets a random delay in a window
 * from {@code min} up to about as many seconds as starts were refused per start admitted over the
 * last few seconds (bounded by {@code max}): the more clients wait, the more widely they are spread,
 * and about as many come back each second as can be admitted.
 */
final class RetryAfter {

    /** Seconds of history the refusal-to-admission ratio is taken over. */
    static final int WINDOW_SECONDS = 5;

    private final Clock clock;
    private final long minSeconds;
    private final long maxSeconds;
    /** Per second of the window, by epoch second modulo the window: the second, refusals, admissions. */
    private final AtomicLongArray seconds = new AtomicLongArray(WINDOW_SECONDS);
    private final AtomicLongArray refusals = new AtomicLongArray(WINDOW_SECONDS);
    private final AtomicLongArray admissions = new AtomicLongArray(WINDOW_SECONDS);

    RetryAfter(Clock clock, Duration min, Duration max) {
        this.clock = clock;
        this.minSeconds = Math.max(1, min.toSeconds());
        this.maxSeconds = Math.max(minSeconds, max.toSeconds());
    }

    void admitted() {
        admissions.incrementAndGet(bucket());
    }

    /** Records a refusal and answers when that client should come back. */
    Duration refused() {
        refusals.incrementAndGet(bucket());
        long window = Math.min(maxSeconds, Math.max(minSeconds, (long) Math.ceil(refusalsPerAdmission())));
        return Duration.ofSeconds(window <= minSeconds ? minSeconds
                : ThreadLocalRandom.current().nextLong(minSeconds, window + 1));
    }

    /** Starts refused per start admitted over the last {@value #WINDOW_SECONDS} seconds. */
    double refusalsPerAdmission() {
        long now = clock.instant().getEpochSecond();
        long refused = 0;
        long admitted = 0;
        for (int i = 0; i < WINDOW_SECONDS; i++) {
            if (now - seconds.get(i) < WINDOW_SECONDS) {
                refused += refusals.get(i);
                admitted += admissions.get(i);
            }
        }
        return (double) refused / Math.max(1, admitted);
    }

    /** The bucket of the current second, emptied first if it last held an older second. */
    private int bucket() {
        long second = clock.instant().getEpochSecond();
        int index = (int) (second % WINDOW_SECONDS);
        long held = seconds.get(index);
        if (held != second && seconds.compareAndSet(index, held, second)) {
            refusals.set(index, 0);
            admissions.set(index, 0);
        }
        return index;
    }
}
