package io.sagaflow.retention;

/**
 * A table's owner deleting its own expired rows, every {@code sagaflow.retention.interval} on every
 * instance (batches of different instances at worst overlap). Each package that owns a table that
 * grows with the traffic has one: the inbox ({@code messaging}), the barrier ({@code participant}),
 * the saga registry ({@code saga}), idempotency keys ({@code web}); the outbox its own
 * ({@code OutboxRetention}, on its own interval).
 */
public interface Retention {

    /** Deletes the rows past their retention now; returns how many. */
    int deleteExpiredRows();
}
