-- Flight bookings per step: a multi-instance step ("book a seat for each passenger") books once per
-- instance, under the instance's step name (Task_BookSeat#2), and cancels exactly that booking.
ALTER TABLE flight.booking ADD COLUMN step VARCHAR(255) DEFAULT 'Task_BookFlight' NOT NULL;
ALTER TABLE flight.booking DROP CONSTRAINT booking_pkey;
ALTER TABLE flight.booking ADD PRIMARY KEY (saga_id, step);
