package io.sagaflow.examples.shop;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import io.sagaflow.start.SagaStartEndpoint;
import io.sagaflow.start.SagaStarter;
import io.sagaflow.start.StartedSaga;
import io.sagaflow.web.IdempotentRequests;
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
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * The typed way to start an {@code order-fulfillment} saga: the request is validated field by
 * field; the order id (the saga's business key) is the request's {@code orderId}, or a fresh one.
 * A client that may retry sends an {@code orderId} or an {@code Idempotency-Key}: without either,
 * each request is a new order. It starts the saga through {@link SagaStarter}, the start API the
 * orchestrator offers front doors; it knows nothing else of the orchestrator.
 */
@RestController
class OrderController {

    static final String PROCESS_KEY = "order-fulfillment";

    private final SagaStarter sagas;
    private final IdempotentRequests idempotentRequests;

    OrderController(SagaStarter sagas, IdempotentRequests idempotentRequests) {
        this.sagas = sagas;
        this.idempotentRequests = idempotentRequests;
    }

    /** @param orderId optional: the client's own order id, which makes a retried request start nothing new */
    record OrderRequest(
            @Size(max = 64) @Pattern(regexp = "[A-Za-z0-9._:-]+", message = "letters, digits and . _ : - only")
            String orderId,
            @NotBlank @Size(max = 64) String customerId,
            @NotBlank @Size(max = 64) String sku,
            @NotNull @Min(1) @Max(1_000_000) Integer quantity,
            @NotNull @DecimalMin(value = "0.01") @Digits(integer = 15, fraction = 2) BigDecimal amount,
            @NotBlank @Pattern(regexp = "[A-Z]{2}", message = "must be an ISO 3166 alpha-2 code") String country) {
    }

    @PostMapping("/api/orders")
    @SagaStartEndpoint
    ResponseEntity<StartedSaga> placeOrder(@RequestHeader(name = IdempotentRequests.HEADER, required = false)
                                           String idempotencyKey,
                                           @Valid @RequestBody OrderRequest order) {
        return idempotentRequests.execute(idempotencyKey, "POST /api/orders", order, StartedSaga.class,
                () -> sagas.start(PROCESS_KEY, variables(order)));
    }

    private static Map<String, Object> variables(OrderRequest order) {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("orderId", order.orderId() != null ? order.orderId() : UUID.randomUUID().toString());
        variables.put("customerId", order.customerId());
        variables.put("sku", order.sku());
        variables.put("quantity", order.quantity());
        variables.put("amount", order.amount().doubleValue());
        variables.put("country", order.country());
        return variables;
    }
}
