package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.sagaflow.testing.ApiSupport.Ledger;
import io.sagaflow.testing.ApiSupport.OrderRequest;
import io.sagaflow.testing.ApiSupport.Saga;
import io.sagaflow.testing.ApiSupport.StartedSaga;
import io.sagaflow.testing.ApiSupport.StockLevel;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.IntegrationTest;

/**
 * The order-fulfillment saga end to end through the public API: the orchestrator, the outbox relay,
 * the broker and the three example participants, on whatever the run mode connects to.
 * Every test uses its own customer and its own SKU row, so numbers are exact on a database that
 * persists between runs.
 */
@IntegrationTest
@DisplayName("Order saga")
class OrderSagaIntegrationTests {

    private static final String RESERVE = "Task_ReserveStock";
    private static final String CHARGE = "Task_ChargePayment";
    private static final String SHIP = "Task_ScheduleShipment";
    private static final long INITIAL_STOCK = 1_000;

    private final ApiSupport api;

    private String customerId;
    private String sku;

    OrderSagaIntegrationTests(ApiSupport api) {
        this.api = api;
    }

    @BeforeEach
    void setUp() {
        customerId = ApiSupport.fresh("customer");
        sku = api.freshSku(INITIAL_STOCK);
    }

    @Test
    @DisplayName("a completed order saga reserves the stock, charges the ledger and schedules one shipment")
    void completedOrderReservesChargesAndShips() {
        StockLevel before = api.stock(sku);

        StartedSaga started = api.placeOrder(new OrderRequest(customerId, sku, 3, new BigDecimal("42.50"), "DE"));
        Saga saga = api.awaitFinished(started.sagaId());

        assertThat(saga.status()).isEqualTo("COMPLETED");
        assertThat(saga.sagaId()).isEqualTo(started.sagaId());
        assertThat(saga.processKey()).isEqualTo("order-fulfillment");
        assertThat(saga.businessKey()).isEqualTo(started.businessKey());
        assertThat(saga.completedSteps()).containsExactly(RESERVE, CHARGE, SHIP);
        assertThat(saga.compensatedSteps()).isEmpty();

        StockLevel after = api.stock(sku);
        assertThat(after.available()).isEqualTo(before.available() - 3);
        assertThat(after.reserved()).isEqualTo(before.reserved() + 3);

        Ledger ledger = api.ledger(customerId);
        assertThat(ledger.charged()).isEqualByComparingTo("42.50");
        assertThat(ledger.refunded()).isEqualByComparingTo("0");

        List<ApiSupport.Shipment> shipments = api.shipments(started.businessKey());
        assertThat(shipments).singleElement().satisfies(shipment -> {
            assertThat(shipment.status()).isEqualTo("SCHEDULED");
            assertThat(shipment.orderId()).isEqualTo(started.businessKey());
            assertThat(shipment.sku()).isEqualTo(sku);
            assertThat(shipment.quantity()).isEqualTo(3);
            assertThat(shipment.country()).isEqualTo("DE");
        });
    }

    @Test
    @DisplayName("a declined payment releases the reserved stock and leaves nothing charged")
    void declinedPaymentReleasesTheStock() {
        StockLevel before = api.stock(sku);

        StartedSaga started = api.placeOrder(new OrderRequest(customerId, sku, 5, new BigDecimal("20000"), "DE"));
        Saga saga = api.awaitFinished(started.sagaId());

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(saga.completedSteps()).containsExactly(RESERVE);
        assertThat(saga.compensatedSteps()).containsExactly(RESERVE);

        assertThat(api.stock(sku)).isEqualTo(before);
        Ledger ledger = api.ledger(customerId);
        assertThat(ledger.charged().subtract(ledger.refunded())).isEqualByComparingTo("0");
        assertThat(ledger.charged()).isEqualByComparingTo("0");
        assertThat(api.shipments(started.businessKey())).isEmpty();
    }

    @Test
    @DisplayName("a refused shipment refunds the payment and releases the stock")
    void refusedShipmentRefundsAndReleases() {
        StockLevel before = api.stock(sku);

        StartedSaga started = api.placeOrder(new OrderRequest(customerId, sku, 2, new BigDecimal("99.99"), "XX"));
        Saga saga = api.awaitFinished(started.sagaId());

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(saga.completedSteps()).containsExactly(RESERVE, CHARGE);
        assertThat(saga.compensatedSteps()).containsExactlyInAnyOrder(RESERVE, CHARGE);

        assertThat(api.stock(sku)).isEqualTo(before);
        Ledger ledger = api.ledger(customerId);
        assertThat(ledger.charged()).isEqualByComparingTo("99.99");
        assertThat(ledger.refunded()).isEqualByComparingTo(ledger.charged());
        assertThat(api.shipments(started.businessKey()))
                .noneMatch(shipment -> "SCHEDULED".equals(shipment.status()));
    }

    @Test
    @DisplayName("an unknown SKU is rejected at the stock step and nothing is charged")
    void unknownSkuIsRejectedAtTheStockStep() {
        String unknownSku = ApiSupport.fresh("NO-SUCH-SKU");

        StartedSaga started = api.placeOrder(new OrderRequest(customerId, unknownSku, 1, new BigDecimal("10"), "DE"));
        Saga saga = api.awaitFinished(started.sagaId());

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(saga.completedSteps()).isEmpty();
        assertThat(saga.compensatedSteps()).isEmpty();
        Ledger ledger = api.ledger(customerId);
        assertThat(ledger.charged()).isEqualByComparingTo("0");
        assertThat(ledger.refunded()).isEqualByComparingTo("0");
        assertThat(api.shipments(started.businessKey())).isEmpty();
        assertThat(api.rest().getForEntity("/api/examples/stock/{sku}", String.class, unknownSku).getStatusCode())
                .isEqualTo(HttpStatus.NOT_FOUND);
    }

    @Test
    @DisplayName("the generic start endpoint takes the order id as business key and runs the saga to completion")
    void genericStartUsesTheOrderIdAsBusinessKey() {
        String orderId = ApiSupport.fresh("order");
        StockLevel before = api.stock(sku);
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("orderId", orderId);
        variables.put("customerId", customerId);
        variables.put("sku", sku);
        variables.put("quantity", 4);
        variables.put("amount", 12.5);
        variables.put("country", "FR");

        StartedSaga started = api.startSaga("order-fulfillment", variables);

        assertThat(started.businessKey()).isEqualTo(orderId);
        Saga saga = api.awaitFinished(started.sagaId());
        assertThat(saga.status()).isEqualTo("COMPLETED");
        assertThat(saga.businessKey()).isEqualTo(orderId);
        assertThat(saga.completedSteps()).containsExactly(RESERVE, CHARGE, SHIP);
        assertThat(api.stock(sku).available()).isEqualTo(before.available() - 4);
        assertThat(api.ledger(customerId).charged()).isEqualByComparingTo("12.5");
        assertThat(api.shipments(orderId)).singleElement()
                .satisfies(shipment -> assertThat(shipment.status()).isEqualTo("SCHEDULED"));
    }

    @Test
    @DisplayName("an invalid order answers 400 problem+json naming the field, and starts no saga")
    void invalidOrderNamesTheField() throws Exception {
        ResponseEntity<String> response = api.postJson("/api/orders", api.json(
                new OrderRequest(customerId, sku, 0, new BigDecimal("10"), "DE")));

        api.assertProblem(response, HttpStatus.BAD_REQUEST);
        JsonNode errors = api.readJson(response.getBody()).path("errors");
        assertThat(errors.isArray()).as("errors is an array in %s", response.getBody()).isTrue();
        assertThat(errors.findValuesAsText("field")).contains("quantity");
        assertThat(api.stock(sku).reserved()).isZero();
    }

    @Test
    @DisplayName("a malformed JSON body answers 400 problem+json")
    void malformedJsonIsABadRequest() {
        ResponseEntity<String> response = api.postJson("/api/orders", "{\"customerId\": \"" + customerId + "\", ");

        api.assertProblem(response, HttpStatus.BAD_REQUEST);
    }

    @Test
    @DisplayName("starting an unknown saga type answers 404 problem+json")
    void unknownSagaTypeIsNotFound() {
        ResponseEntity<String> response = api.postJson("/api/sagas/{processKey}", "{\"orderId\": \"o-1\"}",
                ApiSupport.fresh("no-such-saga"));

        api.assertProblem(response, HttpStatus.NOT_FOUND);
    }

    @Test
    @DisplayName("an unknown saga id answers 404 problem+json")
    void unknownSagaIdIsNotFound() {
        ResponseEntity<String> response = api.rest().getForEntity("/api/sagas/{id}", String.class,
                ApiSupport.fresh("no-such-saga-id"));

        api.assertProblem(response, HttpStatus.NOT_FOUND);
    }
}
