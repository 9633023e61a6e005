package io.sagaflow.outbox;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The relay that publishes outbox rows.
 *
 * @param wakeUpAfterCommit publish right after the writing transaction commits; {@code false}
 *     leaves only the polling sweep (a benchmark baseline, not a production setting)
 * @param pollInterval how often the sweep looks for rows the wake-up missed (crash, other instance)
 * @param batchSize rows claimed per round; their publisher confirms are in flight together
 * @param workers relay threads per instance; while one waits for its batch's confirms another
 *     claims and publishes the next batch. Safe for the same reasons several instances are: rows
 *     are claimed {@code FOR UPDATE SKIP LOCKED}, and a saga's next row is claimable only once the
 *     one before it is no longer PENDING
 * @param confirmTimeout a row whose confirm takes longer counts as a failed attempt
 * @param maxAttempts failed attempts (nack, return, timeout) before a row becomes FAILED;
 *     a broker that cannot be reached at all does not count as an attempt
 * @param retention age after which SENT rows are deleted; zero deletes a row as soon as its confirm
 *     arrives, in the transaction that claimed it (cheaper per message; operators then see an outbox
 *     row only while it is PENDING or FAILED)
 */
@Validated
@ConfigurationProperties("sagaflow.outbox")
public record OutboxProperties(
        @DefaultValue("true") boolean wakeUpAfterCommit,
        @DefaultValue("PT1S") @NotNull Duration pollInterval,
        @DefaultValue("200") @Min(1) int batchSize,
        @DefaultValue("2") @Min(1) int workers,
        @DefaultValue("PT10S") @NotNull Duration confirmTimeout,
        @DefaultValue("10") @Min(1) int maxAttempts,
        @DefaultValue("PT1S") @NotNull Duration initialBackoff,
        @DefaultValue("PT5M") @NotNull Duration maxBackoff,
        @DefaultValue("P7D") @NotNull Duration retention,
        @DefaultValue("PT1M") @NotNull Duration retentionInterval,
        @DefaultValue("1000") @Min(1) int retentionBatchSize) {
}
