-- Saga-aware migrations of running sagas to another version of their definition
-- (POST /api/sagas/migrations): one row per migration, one item per saga it considered.
CREATE TABLE sagaflow.saga_migration (
    migration_id         VARCHAR(64)   PRIMARY KEY,
    process_key          VARCHAR(255)  NOT NULL,
    source_definition_id VARCHAR(64)   NOT NULL,
    target_definition_id VARCHAR(64)   NOT NULL,
    -- The activity mapping as JSON ({"source": "target"}), beside Camunda's equal-id mapping.
    mapping              VARCHAR(4000) NOT NULL,
    requested_by         VARCHAR(255)  NOT NULL,
    requested_via        VARCHAR(16)   NOT NULL,
    reason               VARCHAR(2000),
    status               VARCHAR(16)   NOT NULL,
    created_at           TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at          TIMESTAMP WITH TIME ZONE,
    CONSTRAINT saga_migration_status_known CHECK (status IN ('RUNNING', 'DONE'))
);

CREATE TABLE sagaflow.saga_migration_item (
    migration_id VARCHAR(64)   NOT NULL,
    saga_id      VARCHAR(64)   NOT NULL,
    status       VARCHAR(16)   NOT NULL,
    -- Why a saga was left alone or failed; what moved with a migrated one.
    detail       VARCHAR(4000),
    updated_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (migration_id, saga_id),
    CONSTRAINT saga_migration_item_of FOREIGN KEY (migration_id) REFERENCES sagaflow.saga_migration (migration_id),
    CONSTRAINT saga_migration_item_status_known CHECK (status IN ('PENDING', 'MIGRATED', 'LEFT_ALONE', 'FAILED'))
);
-- The workers' claim: PENDING items, any migration.
CREATE INDEX saga_migration_item_by_status ON sagaflow.saga_migration_item (status, migration_id);
