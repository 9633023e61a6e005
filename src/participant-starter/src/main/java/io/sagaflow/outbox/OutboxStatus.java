package io.sagaflow.outbox;

/**
 * Lifecycle of an outbox row (drawn in docs/architecture.md):
 * {@code PENDING -> SENT} on a broker ack; {@code PENDING -> PENDING} with backoff on a nack, return
 * or confirm timeout; {@code PENDING -> FAILED} after the last attempt; {@code FAILED -> PENDING}
 * only by an operator's re-queue.
 */
public enum OutboxStatus {
    PENDING,
    SENT,
    FAILED
}
