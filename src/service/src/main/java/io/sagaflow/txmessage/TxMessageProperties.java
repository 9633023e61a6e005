package io.sagaflow.txmessage;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Transactional (half) messages. Defaults follow RocketMQ ({@code transactionTimeOut} 6 s,
 * {@code transactionCheckInterval} 60 s, {@code transactionCheckMax} 15).
 *
 * @param transactionTimeout a HALF message this old without a decision gets its first check-back
 * @param checkInterval time between check-backs of a message
 * @param maxChecks check-backs without a COMMIT or ROLLBACK answer before the message is PARKED
 *     (one check interval after the last one)
 * @param pollInterval how often each instance looks for due HALF messages
 * @param batchSize due messages claimed per round
 * @param confirmTimeout how long a check request may wait for the broker's confirm
 * @param retention age after which COMMITTED and ROLLED_BACK rows are deleted; a prepare repeated
 *     after that is a new message
 */
@Validated
@ConfigurationProperties("sagaflow.tx-messages")
public record TxMessageProperties(
        @DefaultValue("PT6S") @NotNull Duration transactionTimeout,
        @DefaultValue("PT60S") @NotNull Duration checkInterval,
        @DefaultValue("15") @Min(1) int maxChecks,
        @DefaultValue("PT1S") @NotNull Duration pollInterval,
        @DefaultValue("100") @Min(1) int batchSize,
        @DefaultValue("PT5S") @NotNull Duration confirmTimeout,
        @DefaultValue("P7D") @NotNull Duration retention) {

    public TxMessageProperties {
        requirePositive("transaction-timeout", transactionTimeout);
        requirePositive("check-interval", checkInterval);
        requirePositive("poll-interval", pollInterval);
        requirePositive("confirm-timeout", confirmTimeout);
        requirePositive("retention", retention);
        // Rows are locked while their checks await confirms; the next check must not start before.
        if (confirmTimeout != null && checkInterval != null && confirmTimeout.compareTo(checkInterval) >= 0) {
            throw new IllegalArgumentException("sagaflow.tx-messages.confirm-timeout (" + confirmTimeout
                    + ") must be shorter than check-interval (" + checkInterval + ")");
        }
        // Deleting decided rows that a late check answer or repeated commit may still look for is unsafe.
        if (retention != null && checkInterval != null && maxChecks > 0
                && retention.compareTo(checkInterval.multipliedBy(maxChecks + 1L)) < 0) {
            throw new IllegalArgumentException("sagaflow.tx-messages.retention (" + retention
                    + ") must cover the whole check-back period, check-interval x (max-checks + 1)");
        }
    }

    private static void requirePositive(String name, Duration value) {
        if (value != null && (value.isNegative() || value.isZero())) {
            throw new IllegalArgumentException("sagaflow.tx-messages." + name + " must be positive, was " + value);
        }
    }
}
