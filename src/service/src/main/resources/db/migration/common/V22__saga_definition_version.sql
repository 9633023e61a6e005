-- The process definition a saga runs on, written at its start (and moved by a migration): several
-- versions of one saga run side by side after a redeployment. Null for sagas started before this
-- column existed; the API then reads it from Camunda's history.
ALTER TABLE sagaflow.saga ADD COLUMN definition_id VARCHAR(64);
ALTER TABLE sagaflow.saga ADD COLUMN definition_version INTEGER;
-- Search by version (with its process key, as a version belongs to one definition), newest first.
CREATE INDEX saga_by_version ON sagaflow.saga (process_key, definition_version, started_at, saga_id);
