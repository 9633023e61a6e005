package io.sagaflow.examples.car;

import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Read-only view of the example car reservations of a trip. */
@RestController
class CarReservationController {

    private final CarRentals rentals;

    CarReservationController(CarRentals rentals) {
        this.rentals = rentals;
    }

    @GetMapping("/api/examples/cars")
    List<CarRentals.CarReservation> cars(@RequestParam String tripId) {
        return rentals.forTrip(tripId);
    }
}
