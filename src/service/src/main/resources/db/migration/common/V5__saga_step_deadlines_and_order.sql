-- Saga semantics: per-step deadlines, reverse-order compensation, abort, re-send after an incident.

ALTER TABLE sagaflow.saga_step ADD COLUMN deadline_at TIMESTAMP WITH TIME ZONE;
-- The step's deadline; a queued compensation's deadline starts when it is sent.
ALTER TABLE sagaflow.saga_step ADD COLUMN deadline_millis BIGINT;
-- The command's body and routing facts, so a queued compensation can be sent later.
ALTER TABLE sagaflow.saga_step ADD COLUMN payload TEXT;
ALTER TABLE sagaflow.saga_step ADD COLUMN business_key VARCHAR(255);
ALTER TABLE sagaflow.saga_step ADD COLUMN process_key VARCHAR(255);
-- A forward step with a compensation handler: its compensation has to run before earlier ones'.
ALTER TABLE sagaflow.saga_step ADD COLUMN compensable BOOLEAN DEFAULT FALSE NOT NULL;

ALTER TABLE sagaflow.saga_step DROP CONSTRAINT saga_step_status_known;
ALTER TABLE sagaflow.saga_step ADD CONSTRAINT saga_step_status_known
    CHECK (status IN ('QUEUED', 'WAITING', 'SUCCEEDED', 'REJECTED', 'FAILED', 'TIMED_OUT', 'CANCELLED'));

CREATE INDEX saga_step_waiting_deadline ON sagaflow.saga_step (status, deadline_at);

