-- The example shop: a producer of transactional messages with its own schema. Its local transaction
-- writes shop.orders and, through the producer client, the message's outcome in shop.tx_outcome;
-- check-backs are answered from that table. Only the shop touches these tables.
CREATE SCHEMA IF NOT EXISTS shop;

CREATE TABLE shop.orders (
    order_id    VARCHAR(64)    PRIMARY KEY,
    customer_id VARCHAR(64)    NOT NULL,
    sku         VARCHAR(64)    NOT NULL,
    quantity    INT            NOT NULL CHECK (quantity > 0),
    amount      NUMERIC(19, 2) NOT NULL,
    country     VARCHAR(2)     NOT NULL,
    message_id  VARCHAR(64)    NOT NULL UNIQUE,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

-- The producer client's outcome table (TxMessageProducer.outcomeTableDdl); one table for any number
-- of producer groups.
CREATE TABLE shop.tx_outcome (
    producer_group VARCHAR(100) NOT NULL,
    message_id     VARCHAR(64)  NOT NULL,
    outcome        VARCHAR(16)  NOT NULL CHECK (outcome IN ('COMMIT', 'ROLLBACK')),
    recorded_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (producer_group, message_id)
);
