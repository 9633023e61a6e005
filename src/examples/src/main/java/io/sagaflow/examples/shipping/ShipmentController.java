package io.sagaflow.examples.shipping;

import java.util.List;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Read-only view of the example shipments of an order. */
@RestController
class ShipmentController {

    private final Shipments shipments;

    ShipmentController(Shipments shipments) {
        this.shipments = shipments;
    }

    @GetMapping("/api/examples/shipments")
    List<Shipments.Shipment> shipments(@RequestParam String orderId) {
        return shipments.forOrder(orderId);
    }
}
