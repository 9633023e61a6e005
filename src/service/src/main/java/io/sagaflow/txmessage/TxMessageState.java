package io.sagaflow.txmessage;

/**
 * Lifecycle of a transactional message (drawn in docs/transactional-messages.md):
 * <pre>
 * HALF ──commit──────────────▶ COMMITTED     (producer, or a check-back answered COMMIT)
 * HALF ──rollback────────────▶ ROLLED_BACK   (producer, or a check-back answered ROLLBACK)
 * HALF ──max checks, no answer▶ PARKED
 * PARKED ──resolve / late decision──▶ COMMITTED | ROLLED_BACK   (operator, or the producer after all)
 * </pre>
 * COMMITTED and ROLLED_BACK are final: repeating the same decision is harmless, the opposite one is
 * refused.
 */
public enum TxMessageState {
    /** Prepared, invisible to consumers; waits for the producer's decision or a check-back. */
    HALF,
    /** Handed to the outbox in the same transaction; delivered like any outbox message. */
    COMMITTED,
    /** Discarded; never delivered. */
    ROLLED_BACK,
    /** No decision after the maximum number of check-backs; waits for an operator. */
    PARKED;

    boolean canMoveTo(TxMessageState next) {
        return switch (this) {
            case HALF -> next == COMMITTED || next == ROLLED_BACK || next == PARKED;
            case PARKED -> next == COMMITTED || next == ROLLED_BACK;
            case COMMITTED, ROLLED_BACK -> false;
        };
    }

    boolean isFinal() {
        return this == COMMITTED || this == ROLLED_BACK;
    }

    /** Fails loudly on a transition the lifecycle does not have. */
    TxMessageState moveTo(TxMessageState next) {
        if (!canMoveTo(next)) {
            throw new IllegalStateException("transactional message cannot go from " + this + " to " + next);
        }
        return next;
    }
}
