package io.sagaflow.messaging;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How Sagaflow consumes messages.
 *
 * @param maxPayloadBytes a larger message body is parked, never processed
 * @param retry retries of a handler's technical failure before the consumer's recovery
 *     (orchestrator: park; participant: answer TECHNICAL_FAILURE)
 * @param queueType classic (default) or quorum queues; applied by {@link QueueTypeApplier}, listed
 *     here so the property is validated and documented with the others
 */
@Validated
@ConfigurationProperties("sagaflow.messaging")
public record MessagingProperties(
        @DefaultValue("262144") @Min(1024) int maxPayloadBytes,
        @DefaultValue @NotNull Retry retry,
        @DefaultValue("classic") @NotNull QueueType queueType) {

    /**
     * Exponential backoff between attempts, in the consumer thread.
     *
     * @param maxAttempts attempts in all, the first one included
     */
    public record Retry(
            @DefaultValue("5") @Min(1) int maxAttempts,
            @DefaultValue("PT0.2S") @NotNull Duration initialInterval,
            @DefaultValue("2.0") double multiplier,
            @DefaultValue("PT5S") @NotNull Duration maxInterval) {
    }
}
