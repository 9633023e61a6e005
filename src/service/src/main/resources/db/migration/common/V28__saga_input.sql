-- A saga's input as one JSON document, written with the registry row its start writes anyway, instead
-- of one Camunda variable per field (each inserted at the start and deleted at the end). NULL for
-- sagas started before this column (their inputs are still variables) and for starts through
-- engine-rest, which set variables.
ALTER TABLE sagaflow.saga ADD COLUMN input TEXT;
