package io.sagaflow.examples.shop;

import java.net.URI;

import io.sagaflow.errors.ConflictException;
import io.sagaflow.errors.InvalidInputException;
import io.sagaflow.errors.NotFoundException;
import io.sagaflow.roles.ConditionalOnParticipantRole;
import io.sagaflow.support.Sha256;
import io.sagaflow.web.ApiException;
import io.sagaflow.web.IdempotentRequests;
import jakarta.validation.Valid;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
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

    /**
     * 202 for a new order, 200 for the same order again: the request's {@code orderId}, or one derived
     * from the caller and its {@code Idempotency-Key}, identifies it. The shop's own orders table is
     * the idempotency record here, because the order row, the key and the half message's outcome must
     * commit in the shop's one local transaction.
     */
    @PostMapping("/api/examples/shop/orders")
    ResponseEntity<ShopOrders.PlacedOrder> placeOrder(@RequestHeader(name = IdempotentRequests.HEADER, required = false)
                                                      String idempotencyKey,
                                                      @Valid @RequestBody OrderController.OrderRequest order) {
        String orderId = order.orderId() != null ? order.orderId() : orderIdOf(idempotencyKey);
        ShopOrders.Placement placement;
        try {
            placement = orders.place(orderId, order);
        } catch (ConflictException conflict) {
            if (order.orderId() == null && idempotencyKey != null && conflict.properties().containsKey("orderId")) {
                throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, IdempotentRequests.HEADER, "this "
                        + IdempotentRequests.HEADER + " was used for another order; use a new key for a new request");
            }
            throw conflict;
        }
        ShopOrders.PlacedOrder placed = placement.order();
        ResponseEntity.BodyBuilder answer = placement.created() ? ResponseEntity.accepted() : ResponseEntity.ok();
        if (!placement.created() && order.orderId() == null) {
            answer.header(IdempotentRequests.REPLAYED_HEADER, "true");
        }
        return answer.location(URI.create("/api/examples/shop/orders/" + placed.orderId())).body(placed);
    }

    /** The same caller and key always name the same order; {@code null} without a key. */
    private static String orderIdOf(String idempotencyKey) {
        if (idempotencyKey == null) {
            return null;
        }
        if (idempotencyKey.isBlank() || idempotencyKey.length() > 255) {
            throw new InvalidInputException(IdempotentRequests.HEADER, "must be 1 to 255 characters");
        }
        Authentication caller = SecurityContextHolder.getContext().getAuthentication();
        String principal = caller == null ? "anonymous" : caller.getName();
        return "key-" + Sha256.hex(principal + "\n" + idempotencyKey).substring(0, 40);
    }

    @GetMapping("/api/examples/shop/orders/{orderId}")
    ShopOrders.ShopOrder order(@PathVariable String orderId) {
        return orders.find(orderId).orElseThrow(() -> new NotFoundException("no shop order '" + orderId + "'"));
    }
}
