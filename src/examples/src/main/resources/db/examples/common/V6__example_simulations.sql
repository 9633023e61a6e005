-- Failure simulation of the example participants (a demo aid; see examples/simulation/Simulations).
CREATE SCHEMA IF NOT EXISTS examples;

CREATE TABLE examples.simulation (
    saga_id   VARCHAR(64)  NOT NULL,
    command   VARCHAR(255) NOT NULL,
    behaviour VARCHAR(255) NOT NULL,
    PRIMARY KEY (saga_id, command)
);
