-- A step past its deadline is OVERDUE until the deadline-passed message, which the orchestrator
-- sends through its own replies queue, is consumed: every reply queued before it is read first, so
-- a deadline judges the participant, never the orchestrator's own backlog (docs/architecture.md).
ALTER TABLE sagaflow.saga_step DROP CONSTRAINT saga_step_status_known;
ALTER TABLE sagaflow.saga_step ADD CONSTRAINT saga_step_status_known
    CHECK (status IN ('QUEUED', 'WAITING', 'OVERDUE', 'SUCCEEDED', 'REJECTED', 'FAILED', 'TIMED_OUT', 'CANCELLED'));
