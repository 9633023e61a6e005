package io.sagaflow.examples.shop;

import java.math.BigDecimal;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import io.sagaflow.saga.Sagas;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The typed way to start an {@code order-fulfillment} saga: the request is validated field by
 * field, the order gets a fresh id, and that id is the saga's business key.
 */
@RestController
class OrderController {

    static final String PROCESS_KEY = "order-fulfillment";

    private final Sagas sagas;

    OrderController(Sagas sagas) {
        this.sagas = sagas;
    }

    record OrderRequest(
            @NotBlank @Size(max = 64) String customerId,
            @NotBlank @Size(max = 64) String sku,
            @NotNull @Min(1) @Max(1_000_000) Integer quantity,
            @NotNull @DecimalMin(value = "0.01") @Digits(integer = 15, fraction = 2) BigDecimal amount,
            @NotBlank @Pattern(regexp = "[A-Z]{2}", message = "must be an ISO 3166 alpha-2 code") String country) {
    }

    @PostMapping("/api/orders")
    ResponseEntity<Sagas.StartedSaga> placeOrder(@Valid @RequestBody OrderRequest order) {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("orderId", UUID.randomUUID().toString());
        variables.put("customerId", order.customerId());
        variables.put("sku", order.sku());
        variables.put("quantity", order.quantity());
        variables.put("amount", order.amount().doubleValue());
        variables.put("country", order.country());
        Sagas.StartedSaga started = sagas.start(PROCESS_KEY, variables);
        return ResponseEntity.accepted().location(URI.create("/api/sagas/" + started.sagaId())).body(started);
    }
}
