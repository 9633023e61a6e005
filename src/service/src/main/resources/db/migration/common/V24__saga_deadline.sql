-- A deadline for the whole saga (process property sagaflow.sagaDeadline): when it passes while the
-- saga runs, the deadline watcher compensates it or raises an incident (sagaflow.onSagaDeadline),
-- once: deadline_passed_at records that it did, and is what the search filter pastDeadline reads.
ALTER TABLE sagaflow.saga ADD COLUMN deadline_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE sagaflow.saga ADD COLUMN deadline_action VARCHAR(16);
ALTER TABLE sagaflow.saga ADD COLUMN deadline_passed_at TIMESTAMP WITH TIME ZONE;
