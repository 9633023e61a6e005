-- The deadline watcher's claim: only sagas that have a saga deadline are in it (most have none, and
-- an index entry per saga would cost every start a write for nothing).
CREATE INDEX saga_by_deadline ON sagaflow.saga (deadline_at) WHERE deadline_at IS NOT NULL;
