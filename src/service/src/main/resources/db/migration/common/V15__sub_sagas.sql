-- A saga started by a call activity of another saga (a sub-saga): the link both ways, and what the
-- orchestrator owes the parent's step. One row per parent step; a compensation that arrives before
-- its start leaves a row without a child, so a start that comes later is refused (as a participant's
-- barrier refuses a hanging action).
CREATE TABLE sagaflow.sub_saga (
    parent_saga_id        VARCHAR(64)  NOT NULL,
    parent_step           VARCHAR(255) NOT NULL,
    child_saga_id         VARCHAR(64),
    -- STARTED, FORWARD_DONE (the child waits for its parent), COMPENSATING, COMPLETED, COMPENSATED,
    -- REFUSED (the child compensated on its own), NOT_STARTED (compensated before its start)
    state                 VARCHAR(16)  NOT NULL,
    start_command_id      VARCHAR(64),
    compensate_command_id VARCHAR(64),
    created_at            TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (parent_saga_id, parent_step),
    CONSTRAINT sub_saga_state_known CHECK (state IN ('STARTED', 'FORWARD_DONE', 'COMPENSATING', 'COMPLETED',
        'COMPENSATED', 'REFUSED', 'NOT_STARTED'))
);
CREATE UNIQUE INDEX sub_saga_by_child ON sagaflow.sub_saga (child_saga_id);
