package io.sagaflow.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock the test moves by hand: a base clock (fixed, or the system's) plus an offset that only
 * {@link #advance(Duration)} changes and {@link #reset()} takes back. Safe to read from the
 * service's scheduler threads while a test moves it.
 */
public final class SettableClock extends Clock {

    private final Clock base;
    private volatile Duration offset = Duration.ZERO;

    private SettableClock(Clock base) {
        this.base = base;
    }

    /** Stands at {@code now} until moved. */
    public static SettableClock at(Instant now) {
        return new SettableClock(Clock.fixed(now, ZoneOffset.UTC));
    }

    /** Runs with the system clock, ahead of it by whatever the test advanced it. */
    public static SettableClock onSystemTime() {
        return new SettableClock(Clock.systemUTC());
    }

    public synchronized void advance(Duration duration) {
        if (duration.isNegative()) {
            throw new IllegalArgumentException("a clock only moves forward, not by " + duration);
        }
        offset = offset.plus(duration);
    }

    /** Back to the base clock: what the test advanced is taken back. */
    public synchronized void reset() {
        offset = Duration.ZERO;
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException("a settable clock stays in UTC");
    }

    @Override
    public Instant instant() {
        return base.instant().plus(offset);
    }
}
