package io.sagaflow.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A step's retry policy")
class RetryPolicyTests {

    private static final Instant FIRST = Instant.parse("2026-12-07T10:00:00Z");

    private static RetryPolicy policy(Map<String, Object> inputs) {
        return RetryPolicy.of(inputs::get);
    }

    @Test
    @DisplayName("exponential backoff doubles from the initial delay up to the cap; jitter moves each wait by at most its fraction")
    void exponentialBackoffWithCapAndJitter() {
        RetryPolicy policy = policy(Map.of("retryMaxAttempts", "6", "retryInitialDelay", "PT10S",
                "retryMaxDelay", "PT30S", "retryJitter", "0.1"));
        // random 0.5 is the middle: no jitter
        assertThat(policy.delayBefore(2, 0.5)).isEqualTo(Duration.ofSeconds(10));
        assertThat(policy.delayBefore(3, 0.5)).isEqualTo(Duration.ofSeconds(20));
        assertThat(policy.delayBefore(4, 0.5)).isEqualTo(Duration.ofSeconds(30));
        assertThat(policy.delayBefore(5, 0.5)).isEqualTo(Duration.ofSeconds(30));
        assertThat(policy.delayBefore(3, 0.0)).isEqualTo(Duration.ofSeconds(18));
        assertThat(policy.delayBefore(3, 0.999_999)).isBetween(Duration.ofMillis(21_999), Duration.ofSeconds(22));
    }

    @Test
    @DisplayName("the attempts (the first included) and the time budget end the retries; fixed backoff waits the same each time")
    void attemptsAndBudgetEndTheRetries() {
        RetryPolicy three = policy(Map.of("retryMaxAttempts", "3", "retryBackoff", "fixed", "retryInitialDelay", "PT1M",
                "retryJitter", "0"));
        assertThat(three.nextTry(1, FIRST, FIRST.plusSeconds(5), 0.3)).contains(FIRST.plusSeconds(65));
        assertThat(three.nextTry(2, FIRST, FIRST.plusSeconds(70), 0.3)).contains(FIRST.plusSeconds(130));
        assertThat(three.nextTry(3, FIRST, FIRST.plusSeconds(135), 0.3)).isEmpty();
        RetryPolicy budgeted = policy(Map.of("retryMaxAttempts", "10", "retryInitialDelay", "PT1M", "retryJitter", "0",
                "retryBudget", "PT2M"));
        assertThat(budgeted.nextTry(1, FIRST, FIRST.plusSeconds(30), 0.5)).contains(FIRST.plusSeconds(90));
        assertThat(budgeted.nextTry(2, FIRST, FIRST.plusSeconds(95), 0.5)).as("95 s + 2 min is past the budget").isEmpty();
        assertThat(budgeted.onExhausted()).isEqualTo(RetryPolicy.OnExhausted.INCIDENT);
    }

    @Test
    @DisplayName("no retryMaxAttempts, no policy; a wrong value is refused naming its input")
    void absentOrWrong() {
        assertThat(policy(Map.of())).isNull();
        assertThatThrownBy(() -> policy(Map.of("retryMaxAttempts", "0"))).hasMessageContaining("retryMaxAttempts");
        assertThatThrownBy(() -> policy(Map.of("retryMaxAttempts", "3", "retryBackoff", "linear")))
                .hasMessageContaining("retryBackoff is one of fixed, exponential");
        assertThatThrownBy(() -> policy(Map.of("retryMaxAttempts", "3", "retryInitialDelay", "10s")))
                .hasMessageContaining("retryInitialDelay is an ISO-8601 duration");
        assertThatThrownBy(() -> policy(Map.of("retryMaxAttempts", "3", "retryJitter", "2")))
                .hasMessageContaining("retryJitter");
        assertThatThrownBy(() -> policy(Map.of("retryMaxAttempts", "3", "retryOnExhausted", "retry")))
                .hasMessageContaining("retryOnExhausted is one of incident, compensate, pause");
        assertThatThrownBy(() -> policy(Map.of("retryMaxAttempts", "3", "retryInitialDelay", "PT1M",
                "retryMaxDelay", "PT10S"))).hasMessageContaining("retryMaxDelay");
    }
}
