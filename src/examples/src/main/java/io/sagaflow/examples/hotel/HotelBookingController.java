package io.sagaflow.examples.hotel;

import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Read-only view of the example hotel bookings of a trip. */
@RestController
class HotelBookingController {

    private final HotelBookings bookings;

    HotelBookingController(HotelBookings bookings) {
        this.bookings = bookings;
    }

    @GetMapping("/api/examples/hotels")
    List<HotelBookings.HotelBooking> hotels(@RequestParam String tripId) {
        return bookings.forTrip(tripId);
    }
}
