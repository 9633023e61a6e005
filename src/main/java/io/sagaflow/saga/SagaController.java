package io.sagaflow.saga;

import java.net.URI;
import java.util.Map;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Size;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** Start any deployed saga by its process key and follow it by its id. */
@RestController
@RequestMapping("/api/sagas")
class SagaController {

    private final Sagas sagas;

    SagaController(Sagas sagas) {
        this.sagas = sagas;
    }

    @PostMapping("/{processKey}")
    ResponseEntity<Sagas.StartedSaga> start(@PathVariable String processKey,
                                            @RequestBody Map<String, Object> input) {
        Sagas.StartedSaga started = sagas.start(processKey, input);
        return ResponseEntity.accepted().location(URI.create("/api/sagas/" + started.sagaId())).body(started);
    }

    /** Optional body of an abort. */
    record AbortRequest(@Size(max = 500) String reason) {
    }

    @PostMapping("/{sagaId}/abort")
    ResponseEntity<SagaView> abort(@PathVariable String sagaId,
                                   @Valid @RequestBody(required = false) AbortRequest request) {
        String reason = request == null || request.reason() == null || request.reason().isBlank()
                ? "no reason given" : request.reason();
        sagas.abort(sagaId, reason);
        return ResponseEntity.accepted().location(URI.create("/api/sagas/" + sagaId)).body(sagas.find(sagaId));
    }

    @GetMapping("/{sagaId}")
    SagaView find(@PathVariable String sagaId) {
        return sagas.find(sagaId);
    }
}
