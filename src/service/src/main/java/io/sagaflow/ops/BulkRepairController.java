package io.sagaflow.ops;

import java.net.URI;

import io.sagaflow.audit.Audit;
import io.sagaflow.roles.ConditionalOnOrchestratorRole;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Bulk repairs by filter (operators only, audited): a dry run counts what the filter chooses, a run
 * starts the batch and answers where to follow it ({@link BulkRepairs}).
 */
@RestController
@RequestMapping("/api/bulk-repairs")
@ConditionalOnOrchestratorRole
class BulkRepairController {

    /**
     * @param action incident.retry, outbox.requeue, parked.replay or saga.abort
     * @param reason why, for the audit trail (required to abort sagas)
     * @param dryRun only count what the filter chooses now
     */
    record BulkRepairRequest(@NotBlank String action, BulkRepairs.Filter filter, @Size(max = 500) String reason,
                             boolean dryRun) {
    }

    private final BulkRepairs bulkRepairs;

    BulkRepairController(BulkRepairs bulkRepairs) {
        this.bulkRepairs = bulkRepairs;
    }

    /** 200 with the preview for a dry run; 202 with the batch and Location for a run (200 if the same one runs). */
    @PostMapping
    ResponseEntity<?> submit(@Valid @RequestBody BulkRepairRequest request) {
        if (request.dryRun()) {
            return ResponseEntity.ok(bulkRepairs.preview(request.action(), request.filter()));
        }
        BulkRepairs.Submitted submitted = bulkRepairs.submit(request.action(), request.filter(),
                request.reason() == null || request.reason().isBlank() ? null : request.reason().trim(),
                Audit.Actor.ofApiCaller());
        return ResponseEntity.status(submitted.alreadyRunning() ? HttpStatus.OK : HttpStatus.ACCEPTED)
                .location(URI.create("/api/bulk-repairs/" + submitted.bulkRepairId())).body(submitted);
    }

    /** Status, counts per item status, and the result of every item. */
    @GetMapping("/{id}")
    BulkRepairs.Progress progress(@PathVariable String id) {
        return bulkRepairs.progress(id);
    }

    /** Items not done yet are SKIPPED; 409 if it has ended. */
    @PostMapping("/{id}/cancel")
    BulkRepairs.Progress cancel(@PathVariable String id) {
        return bulkRepairs.cancel(id);
    }
}
