package io.sagaflow.examples.payment;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** Read-only view of the example ledger; a customer never charged shows zeros. */
@RestController
class LedgerController {

    private final Payments payments;

    LedgerController(Payments payments) {
        this.payments = payments;
    }

    @GetMapping("/api/examples/ledger/{customerId}")
    Payments.Ledger ledger(@PathVariable String customerId) {
        return payments.ledger(customerId);
    }
}
