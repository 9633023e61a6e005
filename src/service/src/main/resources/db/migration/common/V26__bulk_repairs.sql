-- Bulk repairs (io.sagaflow.ops.BulkRepairs): one repair chosen by a filter, run as a batch in the
-- background by every instance (items claimed with FOR UPDATE SKIP LOCKED), with a result per item.
-- running_key is the repair's action and filter while it runs: the same repair submitted twice finds
-- the running one (unique), and NULL once it has ended.
CREATE TABLE sagaflow.bulk_repair (
    id             VARCHAR(64)   PRIMARY KEY,
    action         VARCHAR(32)   NOT NULL,
    filter         VARCHAR(4000) NOT NULL,
    reason         VARCHAR(500),
    status         VARCHAR(16)   NOT NULL,
    running_key    VARCHAR(64),
    total          INT           NOT NULL,
    requested_by   VARCHAR(255)  NOT NULL,
    requester_kind VARCHAR(16)   NOT NULL,
    requested_via  VARCHAR(16)   NOT NULL,
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at    TIMESTAMP WITH TIME ZONE,
    CONSTRAINT bulk_repair_status_known CHECK (status IN ('RUNNING', 'DONE', 'CANCELLED')),
    CONSTRAINT bulk_repair_running_once UNIQUE (running_key)
);
CREATE TABLE sagaflow.bulk_repair_item (
    repair_id VARCHAR(64)   NOT NULL,
    seq       INT           NOT NULL,
    target    VARCHAR(255)  NOT NULL,
    saga_id   VARCHAR(64),
    status    VARCHAR(16)   NOT NULL,
    detail    VARCHAR(2000),
    done_at   TIMESTAMP WITH TIME ZONE,
    CONSTRAINT bulk_repair_item_pk PRIMARY KEY (repair_id, seq),
    CONSTRAINT bulk_repair_item_of_repair FOREIGN KEY (repair_id) REFERENCES sagaflow.bulk_repair (id),
    CONSTRAINT bulk_repair_item_status_known CHECK (status IN ('PENDING', 'DONE', 'FAILED', 'SKIPPED'))
);
CREATE INDEX bulk_repair_item_by_status ON sagaflow.bulk_repair_item (status, repair_id, seq);
