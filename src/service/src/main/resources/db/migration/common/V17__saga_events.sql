-- Events a saga waits for that are not replies to its steps (a message catch event or a receive
-- task: "bank confirmed the transfer"), delivered with POST /api/sagas/{id}/events/{name} or over
-- AMQP. One row per saga and event id, written in the transaction that moves the saga on, so a
-- repeated delivery (a client's retry, a redelivered message) finds it and moves nothing.
CREATE TABLE sagaflow.saga_event (
    saga_id      VARCHAR(64)  NOT NULL,
    event_id     VARCHAR(200) NOT NULL,
    name         VARCHAR(255) NOT NULL,
    delivered_at TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (saga_id, event_id)
);
