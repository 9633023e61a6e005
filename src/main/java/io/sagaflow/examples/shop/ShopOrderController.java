package io.sagaflow.examples.shop;

import java.net.URI;

import io.sagaflow.roles.ConditionalOnParticipantRole;
import io.sagaflow.web.ApiException;
import jakarta.validation.Valid;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The shop's front door: the same order body as {@code POST /api/orders}, but the saga starts from
 * the shop's OrderPlaced transactional message instead of a direct call. 202: the order is stored,
 * the saga follows (its business key is the order id).
 */
@ConditionalOnParticipantRole("shop")
@RestController
class ShopOrderController {

    private final ShopOrders orders;

    ShopOrderController(ShopOrders orders) {
        this.orders = orders;
    }

    @PostMapping("/api/examples/shop/orders")
    ResponseEntity<ShopOrders.PlacedOrder> placeOrder(@Valid @RequestBody OrderController.OrderRequest order) {
        ShopOrders.PlacedOrder placed = orders.place(order);
        return ResponseEntity.accepted().location(URI.create("/api/examples/shop/orders/" + placed.orderId()))
                .body(placed);
    }

    @GetMapping("/api/examples/shop/orders/{orderId}")
    ShopOrders.ShopOrder order(@PathVariable String orderId) {
        return orders.find(orderId).orElseThrow(() -> ApiException.notFound("no shop order '" + orderId + "'"));
    }
}
