-- A command the broker returned as unroutable (no queue bound for its routing key) never reached a
-- participant: its step is UNDELIVERED, in an incident, and needs no compensation (docs/architecture.md).
ALTER TABLE sagaflow.saga_step DROP CONSTRAINT saga_step_status_known;
ALTER TABLE sagaflow.saga_step ADD CONSTRAINT saga_step_status_known
    CHECK (status IN ('QUEUED', 'WAITING', 'OVERDUE', 'SUCCEEDED', 'REJECTED', 'FAILED', 'TIMED_OUT', 'CANCELLED',
                      'UNDELIVERED'));
