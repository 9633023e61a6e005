-- Tables of the trip saga's example participants (car rental, hotel, airline). Each service owns
-- its schema; only it touches its tables. The schemas belong in spring.flyway.schemas like the
-- others (Flyway then creates them first); IF NOT EXISTS keeps this script correct either way.
CREATE SCHEMA IF NOT EXISTS car;
CREATE SCHEMA IF NOT EXISTS hotel;
CREATE SCHEMA IF NOT EXISTS flight;

CREATE TABLE car.reservation (
    saga_id        VARCHAR(64)  PRIMARY KEY,
    reservation_id VARCHAR(64)  NOT NULL UNIQUE,
    trip_id        VARCHAR(255) NOT NULL,
    customer_id    VARCHAR(255) NOT NULL,
    city           VARCHAR(255) NOT NULL,
    rental_days    INT          NOT NULL CHECK (rental_days > 0),
    status         VARCHAR(16)  NOT NULL CHECK (status IN ('RESERVED', 'CANCELLED')),
    created_at     TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX car_reservation_by_trip ON car.reservation (trip_id);

CREATE TABLE hotel.booking (
    saga_id     VARCHAR(64)  PRIMARY KEY,
    booking_id  VARCHAR(64)  NOT NULL UNIQUE,
    trip_id     VARCHAR(255) NOT NULL,
    customer_id VARCHAR(255) NOT NULL,
    city        VARCHAR(255) NOT NULL,
    nights      INT          NOT NULL CHECK (nights > 0),
    status      VARCHAR(16)  NOT NULL CHECK (status IN ('BOOKED', 'CANCELLED')),
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX hotel_booking_by_trip ON hotel.booking (trip_id);

CREATE TABLE flight.booking (
    saga_id     VARCHAR(64)  PRIMARY KEY,
    booking_id  VARCHAR(64)  NOT NULL UNIQUE,
    trip_id     VARCHAR(255) NOT NULL,
    customer_id VARCHAR(255) NOT NULL,
    origin      VARCHAR(3)   NOT NULL,
    destination VARCHAR(3)   NOT NULL,
    status      VARCHAR(16)  NOT NULL CHECK (status IN ('BOOKED', 'CANCELLED')),
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE INDEX flight_booking_by_trip ON flight.booking (trip_id);
