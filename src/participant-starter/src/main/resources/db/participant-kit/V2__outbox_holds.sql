-- Holds on the outbox: while a row here names an exchange and a routing-key prefix, the relay leaves
-- the PENDING rows it matches where they are (an operator paused the participant those messages go
-- to). Releasing the hold lets the relay publish them in their order. Small by nature: one row per
-- paused participant.
CREATE TABLE sagaflow.outbox_hold (
    exchange           VARCHAR(255)  NOT NULL,
    routing_key_prefix VARCHAR(255)  NOT NULL,
    held_since         TIMESTAMP WITH TIME ZONE NOT NULL,
    held_by            VARCHAR(255)  NOT NULL,
    reason             VARCHAR(500),
    automatic          BOOLEAN DEFAULT FALSE NOT NULL,
    CONSTRAINT outbox_hold_pk PRIMARY KEY (exchange, routing_key_prefix)
);
