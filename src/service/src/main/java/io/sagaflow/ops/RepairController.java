package io.sagaflow.ops;

import io.sagaflow.audit.Audit;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Size;

import java.util.List;

import io.sagaflow.messaging.ParkedMessages;
import io.sagaflow.outbox.OutboxAdmin;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The operator's repair endpoints for messages: outbox rows that FAILED, and parked inbound
 * messages. Each repair is one call (see docs/operations.md).
 */
@RestController
@RequestMapping("/api")
@Validated
class RepairController {

    private final OutboxAdmin outboxAdmin;
    private final ParkedMessages parked;
    private final Repairs repairs;
    private final Audit audit;

    RepairController(OutboxAdmin outboxAdmin, ParkedMessages parked, Repairs repairs, Audit audit) {
        this.audit = audit;
        this.outboxAdmin = outboxAdmin;
        this.parked = parked;
        this.repairs = repairs;
    }

    @GetMapping("/outbox/failed")
    List<OutboxAdmin.FailedMessage> failedOutboxMessages(
            @RequestParam(defaultValue = "100") @Min(1) @Max(1000) int limit,
            @RequestParam(required = false) String exchange, @RequestParam(required = false) String routingKey) {
        return outboxAdmin.failed(limit, exchange, routingKey);
    }

    /** Optional body of a repair: why the operator does it, for the audit trail. */
    record RepairRequest(@Size(max = 500) String reason) {

        static String of(RepairRequest request) {
            return request == null || request.reason() == null || request.reason().isBlank() ? null : request.reason();
        }
    }

    /** FAILED → PENDING with a fresh attempt budget; the relay publishes it at once. Audited. */
    @PostMapping("/outbox/{messageId}/requeue")
    ResponseEntity<Void> requeue(@PathVariable String messageId,
                                 @Valid @RequestBody(required = false) RepairRequest request) {
        audit.perform(Audit.Actor.ofApiCaller(), new Audit.Request("outbox.requeue", null, messageId,
                RepairRequest.of(request)), () -> new Audit.Done<>(null, repairs.requeue(messageId)));
        return ResponseEntity.accepted().build();
    }

    @GetMapping("/parked-messages")
    List<ParkedMessages.ParkedMessage> parkedMessages(
            @RequestParam(defaultValue = "100") @Min(1) @Max(1000) int limit) {
        return parked.list(limit);
    }

    /** Publishes the parked message again, unchanged, to the queue it came from. */
    @PostMapping("/parked-messages/{id}/replay")
    ResponseEntity<Void> replay(@PathVariable long id, @Valid @RequestBody(required = false) RepairRequest request) {
        audit.perform(Audit.Actor.ofApiCaller(), new Audit.Request("parked.replay", null, "parked message " + id,
                RepairRequest.of(request)), () -> new Audit.Done<>(null, repairs.replay(id)));
        return ResponseEntity.accepted().build();
    }
}
