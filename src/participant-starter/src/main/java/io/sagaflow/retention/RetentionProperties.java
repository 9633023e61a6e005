package io.sagaflow.retention;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How long deduplication records and ended sagas' registry rows are kept. Outbox rows have their own setting
 * ({@code sagaflow.outbox.retention}); Camunda's history has its time-to-live and cleanup window.
 *
 * @param deduplication age after which inbox rows and participant barrier rows are deleted: a copy
 *     of a message older than this would be processed again, so keep it well above the outbox
 *     retention (the longest a message can be re-published from the outbox) and any broker delay
 * @param sagas age after its end at which a saga's registry row is deleted: until then its business
 *     key starts no second saga and saga search finds it (keep it at least the processes' history
 *     time to live, P30D in our models, so search and Cockpit agree)
 * @param interval how often the job runs
 * @param batchSize rows deleted per statement
 */
@Validated
@ConfigurationProperties("sagaflow.retention")
public record RetentionProperties(
        @DefaultValue("P30D") @NotNull Duration deduplication,
        @DefaultValue("P30D") @NotNull Duration sagas,
        @DefaultValue("PT10M") @NotNull Duration interval,
        @DefaultValue("1000") @Min(1) int batchSize) {
}
