-- Transactional (half) messages; see docs/transactional-messages.md for the lifecycle:
-- HALF -> COMMITTED | ROLLED_BACK (producer or check-back answer), HALF -> PARKED (check-backs exhausted),
-- PARKED -> COMMITTED | ROLLED_BACK (operator's resolve, or the producer after all).
-- A committed message is delivered through sagaflow.outbox_message, written in the same transaction.
CREATE TABLE sagaflow.tx_message (
    id                VARCHAR(64)   PRIMARY KEY,
    producer_group    VARCHAR(100)  NOT NULL,
    exchange          VARCHAR(255)  NOT NULL,
    routing_key       VARCHAR(255)  NOT NULL,
    message_type      VARCHAR(255)  NOT NULL,
    headers           TEXT          NOT NULL,
    payload           TEXT          NOT NULL,
    state             VARCHAR(16)   NOT NULL,
    checks            INT           NOT NULL DEFAULT 0,
    -- HALF: when the next check-back is due (first: created_at + transaction timeout).
    next_check_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    last_check_at     TIMESTAMP WITH TIME ZONE,
    last_check_result VARCHAR(32),
    decided_by        VARCHAR(16),
    decided_at        TIMESTAMP WITH TIME ZONE,
    created_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT tx_message_state_known CHECK (state IN ('HALF', 'COMMITTED', 'ROLLED_BACK', 'PARKED')),
    CONSTRAINT tx_message_decided_by_known CHECK (decided_by IS NULL OR decided_by IN ('PRODUCER', 'CHECK_BACK', 'OPERATOR'))
);
-- The check-back job's claim (state = 'HALF' AND next_check_at <= now), the PARKED list and retention.
CREATE INDEX tx_message_due ON sagaflow.tx_message (state, next_check_at);
CREATE INDEX tx_message_by_state_age ON sagaflow.tx_message (state, created_at);
