package io.sagaflow.examples.flight;

import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Read-only view of the example flight bookings of a trip. */
@RestController
class FlightBookingController {

    private final FlightBookings bookings;

    FlightBookingController(FlightBookings bookings) {
        this.bookings = bookings;
    }

    @GetMapping("/api/examples/flights")
    List<FlightBookings.FlightBooking> flights(@RequestParam String tripId) {
        return bookings.forTrip(tripId);
    }
}
