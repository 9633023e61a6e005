package io.sagaflow.ops;

import java.time.Duration;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Health thresholds.
 *
 * @param outboxMaxPendingAge the outbox health is DOWN while its oldest PENDING row is older than this
 *     (the broker is unreachable or the relay stuck)
 */
@Validated
@ConfigurationProperties("sagaflow.ops")
public record OpsProperties(@DefaultValue("PT1M") @NotNull Duration outboxMaxPendingAge) {
}
