-- The deadline watcher's claim (H2 has no partial index; PostgreSQL's holds only sagas with a deadline).
CREATE INDEX saga_by_deadline ON sagaflow.saga (deadline_at);
