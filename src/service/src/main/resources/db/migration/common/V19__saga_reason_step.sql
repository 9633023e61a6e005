-- Why a saga compensated or failed names the step too (GET /api/sagas/{id} and search: reasonStep).
ALTER TABLE sagaflow.saga ADD COLUMN reason_step VARCHAR(255);
