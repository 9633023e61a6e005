package io.sagaflow.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.stream.IntStream;

import io.sagaflow.testing.SettableClock;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** Refused clients are spread wider the more of them wait, so they come back about as fast as starts are admitted. */
class RetryAfterTests {

    private final SettableClock clock = SettableClock.at(Instant.parse("2026-12-06T18:00:00Z"));
    private final RetryAfter retryAfter = new RetryAfter(clock, Duration.ofSeconds(1), Duration.ofSeconds(30));

    @Test
    @DisplayName("while no more starts are refused than admitted, a refused client comes back after the minimum")
    void fewRefusalsComeBackSoon() {
        IntStream.range(0, 10).forEach(i -> retryAfter.admitted());

        assertThat(IntStream.range(0, 10).mapToObj(i -> retryAfter.refused()))
                .containsOnly(Duration.ofSeconds(1));
    }

    @Test
    @DisplayName("with twenty refusals per admission, clients are spread over up to twenty seconds")
    void manyRefusalsAreSpread() {
        retryAfter.admitted();
        IntStream.range(0, 19).forEach(i -> retryAfter.refused());

        var delays = IntStream.range(0, 200).mapToObj(i -> retryAfter.refused().toSeconds()).toList();
        assertThat(delays).allSatisfy(seconds -> assertThat(seconds).isBetween(1L, 30L));
        assertThat(delays.stream().mapToLong(Long::longValue).max().orElseThrow()).isGreaterThanOrEqualTo(15);
        assertThat(delays.stream().distinct().count()).as("distinct delays").isGreaterThan(10);
    }

    @Test
    @DisplayName("only the last five seconds count: after a quiet spell clients come back soon again")
    void oldRefusalsAreForgotten() {
        retryAfter.admitted();
        IntStream.range(0, 100).forEach(i -> retryAfter.refused());
        assertThat(retryAfter.refusalsPerAdmission()).isGreaterThan(50);

        clock.advance(Duration.ofSeconds(RetryAfter.WINDOW_SECONDS));
        retryAfter.admitted();

        assertThat(retryAfter.refusalsPerAdmission()).isZero();
        assertThat(retryAfter.refused()).isEqualTo(Duration.ofSeconds(1));
    }
}
