-- The audit trail of operator actions (io.sagaflow.audit.Audit): one row per attempt, written in the
-- action's transaction when it took effect, in its own when it was refused or failed. Append-only.
CREATE TABLE sagaflow.audit_record (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    recorded_at TIMESTAMP WITH TIME ZONE NOT NULL,
    actor       VARCHAR(255)  NOT NULL,
    actor_kind  VARCHAR(16)   NOT NULL,
    via         VARCHAR(16)   NOT NULL,
    action      VARCHAR(64)   NOT NULL,
    saga_id     VARCHAR(64),
    target      VARCHAR(2000),
    reason      VARCHAR(2000),
    outcome     VARCHAR(16)   NOT NULL,
    detail      VARCHAR(2000),
    CONSTRAINT audit_actor_kind_known CHECK (actor_kind IN ('USER', 'CLIENT')),
    CONSTRAINT audit_outcome_known CHECK (outcome IN ('DONE', 'REFUSED', 'FAILED'))
);
CREATE INDEX audit_record_by_saga ON sagaflow.audit_record (saga_id, seq);
CREATE INDEX audit_record_by_time ON sagaflow.audit_record (recorded_at);
