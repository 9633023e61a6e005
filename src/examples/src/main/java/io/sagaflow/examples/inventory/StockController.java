package io.sagaflow.examples.inventory;

import io.sagaflow.errors.NotFoundException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** Read-only view of the example inventory, to see what sagas did. */
@RestController
class StockController {

    private final Stock stock;

    StockController(Stock stock) {
        this.stock = stock;
    }

    @GetMapping("/api/examples/stock/{sku}")
    Stock.StockLevel stock(@PathVariable String sku) {
        return stock.find(sku).orElseThrow(() -> new NotFoundException("no SKU '" + sku + "'"));
    }
}
