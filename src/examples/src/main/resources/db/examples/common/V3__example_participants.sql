-- Tables of the example participants. Each service owns its schema; only it touches its tables.

CREATE TABLE inventory.stock (
    sku       VARCHAR(64) PRIMARY KEY,
    available BIGINT NOT NULL CHECK (available >= 0),
    reserved  BIGINT NOT NULL CHECK (reserved >= 0)
);
INSERT INTO inventory.stock (sku, available, reserved) VALUES
    ('SKU-1', 1000000, 0), ('SKU-2', 1000000, 0), ('SKU-3', 1000000, 0),
    ('SKU-4', 1000000, 0), ('SKU-5', 1000000, 0), ('SKU-6', 1000000, 0),
    ('SKU-7', 1000000, 0), ('SKU-8', 1000000, 0), ('SKU-9', 1000000, 0);

CREATE TABLE inventory.reservation (
    saga_id    VARCHAR(64) PRIMARY KEY,
    order_id   VARCHAR(64) NOT NULL,
    sku        VARCHAR(64) NOT NULL,
    quantity   BIGINT      NOT NULL,
    status     VARCHAR(16) NOT NULL CHECK (status IN ('RESERVED', 'RELEASED')),
    created_at TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE payment.ledger (
    customer_id VARCHAR(64)    PRIMARY KEY,
    charged     NUMERIC(19, 2) NOT NULL,
    refunded    NUMERIC(19, 2) NOT NULL
);

CREATE TABLE payment.charge (
    saga_id     VARCHAR(64)    PRIMARY KEY,
    order_id    VARCHAR(64)    NOT NULL,
    customer_id VARCHAR(64)    NOT NULL,
    amount      NUMERIC(19, 2) NOT NULL,
    status      VARCHAR(16)    NOT NULL CHECK (status IN ('CHARGED', 'REFUNDED')),
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE shipping.shipment (
    shipment_id VARCHAR(64) PRIMARY KEY,
    saga_id     VARCHAR(64) NOT NULL UNIQUE,
    order_id    VARCHAR(64) NOT NULL,
    sku         VARCHAR(64) NOT NULL,
    quantity    BIGINT      NOT NULL,
    country     VARCHAR(2)  NOT NULL,
    status      VARCHAR(16) NOT NULL CHECK (status IN ('SCHEDULED', 'CANCELLED')),
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX shipment_by_order ON shipping.shipment (order_id);
