package io.sagaflow.examples.simulation;

import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** Clears a saga's simulated failures, e.g. before retrying its incident. */
@RestController
class SimulationController {

    private final Simulations simulations;

    SimulationController(Simulations simulations) {
        this.simulations = simulations;
    }

    @DeleteMapping("/api/examples/simulations/{sagaId}")
    ResponseEntity<Void> clear(@PathVariable String sagaId) {
        simulations.clear(sagaId);
        return ResponseEntity.noContent().build();
    }
}
