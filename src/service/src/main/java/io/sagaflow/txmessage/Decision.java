package io.sagaflow.txmessage;

/** What becomes of a half message. */
enum Decision {
    COMMIT(TxMessageState.COMMITTED),
    ROLLBACK(TxMessageState.ROLLED_BACK);

    private final TxMessageState target;

    Decision(TxMessageState target) {
        this.target = target;
    }

    TxMessageState target() {
        return target;
    }

    /** The verb for error messages: "committed", "rolled back". */
    String pastTense() {
        return this == COMMIT ? "committed" : "rolled back";
    }
}
