-- One row per saga, however it was started (our REST API, AMQP, or engine-rest): written by the
-- engine's process-start listener in the start transaction, ended by its process-end listener in the
-- transaction that ends the saga. It is the database's guard against a doubled business transaction
-- (one saga per process key and business key while the row exists), the index of saga search, and
-- the record that a saga-end event was written exactly once.
CREATE TABLE sagaflow.saga (
    saga_id      VARCHAR(64)   PRIMARY KEY,
    process_key  VARCHAR(255)  NOT NULL,
    business_key VARCHAR(255),
    -- SHA-256 of the start variables: a second start with the same key is the same request only if equal.
    input_hash   VARCHAR(64)   NOT NULL,
    status       VARCHAR(16)   NOT NULL,
    reason       VARCHAR(2000),
    started_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    ended_at     TIMESTAMP WITH TIME ZONE,
    -- The authenticated caller that started it over REST (a client reads only its own sagas).
    started_by   VARCHAR(255),
    -- W3C trace context of the saga's start: work no message carries (retry jobs, deadlines) joins it.
    traceparent  VARCHAR(64),
    CONSTRAINT saga_status_known CHECK (status IN ('RUNNING', 'COMPLETED', 'COMPENSATED', 'FAILED')),
    CONSTRAINT saga_one_per_business_key UNIQUE (process_key, business_key)
);
-- Saga search (GET /api/sagas) lists newest first; each filter has an index in that order, so a page
-- is an index range read however many ended sagas the table holds (SagaSearchPlanPostgresTests).
CREATE INDEX saga_by_start ON sagaflow.saga (started_at, saga_id);
CREATE INDEX saga_by_process ON sagaflow.saga (process_key, started_at, saga_id);
CREATE INDEX saga_by_status ON sagaflow.saga (status, started_at, saga_id);
CREATE INDEX saga_by_business_key ON sagaflow.saga (business_key);
CREATE INDEX saga_by_starter ON sagaflow.saga (started_by, started_at, saga_id);
-- Retention deletes ended sagas by age.
CREATE INDEX saga_by_end ON sagaflow.saga (ended_at);

-- Idempotency-Key of a start request: the first answer, replayed for a retry with the same key.
CREATE TABLE sagaflow.idempotency_key (
    principal     VARCHAR(255)  NOT NULL,
    idem_key      VARCHAR(255)  NOT NULL,
    -- SHA-256 of method, path and canonical body: the same key with another request is refused.
    request_hash  VARCHAR(64)   NOT NULL,
    response_code INT           NOT NULL,
    response_body TEXT          NOT NULL,
    location      VARCHAR(2000),
    created_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (principal, idem_key)
);
CREATE INDEX idempotency_key_by_age ON sagaflow.idempotency_key (created_at);

-- An event for whoever subscribes (saga-end events): published with the mandatory flag like every
-- message, but a return because no queue is bound counts as delivered, not as a failed attempt.
ALTER TABLE sagaflow.outbox_message ADD COLUMN broadcast BOOLEAN DEFAULT FALSE NOT NULL;
