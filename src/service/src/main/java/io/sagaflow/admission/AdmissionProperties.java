package io.sagaflow.admission;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Admission of new sagas ({@code sagaflow.admission.*}): past these bounds the service refuses new
 * starts (503 with {@code Retry-After}; AMQP starts wait in their queue) until it has caught up.
 *
 * @param enabled {@code false} admits every start, whatever the backlog
 * @param maxReplyWait how long a reply may wait in {@code sagaflow.orchestrator.replies} before new
 *     starts are refused: the orchestrator is behind on finishing the sagas it has. Estimated as the
 *     replies ready in the queue divided by the rate all orchestrators consume them at (Little's law),
 *     so the bound means the same on a slow host and a fast one
 * @param maxReplyBacklog replies ready in the queue above which new starts are refused whatever the
 *     rate (a backstop for consumers that take nothing at all)
 * @param maxOutboxLag how long the longest-due PENDING outbox row may have been due before new
 *     starts are refused: the relay is behind (or the broker away)
 * @param maxConcurrentStarts starts that run at once on this instance; a start that finds them all
 *     busy for {@code startWait} is refused, so starts never take every thread and database connection
 *     the reply consumers need
 * @param startWait how long a start may wait for one of the {@code maxConcurrentStarts}
 * @param sampleInterval how often the reply backlog and the relay lag are read (one passive queue
 *     declare and one indexed query per instance)
 * @param minRetryAfter the shortest {@code Retry-After}; refused clients are spread over a window
 *     from this up to {@code maxRetryAfter}, wider the more starts are refused per start admitted
 * @param maxRetryAfter the longest {@code Retry-After}
 */
@Validated
@ConfigurationProperties("sagaflow.admission")
public record AdmissionProperties(
        @DefaultValue("true") boolean enabled,
        @DefaultValue("PT0.5S") @NotNull Duration maxReplyWait,
        @DefaultValue("1000") @Min(1) int maxReplyBacklog,
        @DefaultValue("PT2S") @NotNull Duration maxOutboxLag,
        @DefaultValue("8") @Min(1) int maxConcurrentStarts,
        @DefaultValue("PT0.25S") @NotNull Duration startWait,
        @DefaultValue("PT0.2S") @NotNull Duration sampleInterval,
        @DefaultValue("PT1S") @NotNull Duration minRetryAfter,
        @DefaultValue("PT30S") @NotNull Duration maxRetryAfter) {

    public AdmissionProperties {
        if (minRetryAfter.toSeconds() < 1 || maxRetryAfter.compareTo(minRetryAfter) < 0) {
            throw new IllegalArgumentException("sagaflow.admission: min-retry-after must be at least PT1S and "
                    + "max-retry-after at least min-retry-after (Retry-After counts whole seconds)");
        }
        if (sampleInterval.isNegative() || sampleInterval.isZero()) {
            throw new IllegalArgumentException("sagaflow.admission.sample-interval must be positive");
        }
    }
}
