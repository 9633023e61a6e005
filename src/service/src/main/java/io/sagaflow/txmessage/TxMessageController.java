package io.sagaflow.txmessage;

import java.net.URI;
import java.util.List;
import java.util.Locale;

import io.sagaflow.audit.Audit;
import io.sagaflow.errors.InvalidInputException;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Size;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Transactional messages over REST, for producers in any language and for operators. Bad input is
 * answered with {@code application/problem+json} naming the field; an unknown id is a 404, a
 * decision contradicting an earlier one a 409.
 */
@RestController
@RequestMapping("/api/tx-messages")
class TxMessageController {

    private static final int MAX_LIMIT = 1000;

    private final TxMessages messages;
    private final Audit audit;

    TxMessageController(TxMessages messages, Audit audit) {
        this.messages = messages;
        this.audit = audit;
    }

    /** 201 for a new HALF message; 200 with the stored one for a repeated prepare of the same id. */
    @PostMapping
    ResponseEntity<TxMessageView> prepare(@RequestBody PrepareRequest request) {
        TxMessages.Prepared prepared = messages.prepare(request);
        if (!prepared.created()) {
            return ResponseEntity.ok(prepared.message());
        }
        return ResponseEntity.created(URI.create("/api/tx-messages/" + prepared.message().id()))
                .body(prepared.message());
    }

    @PostMapping("/{id}/commit")
    TxMessageView commit(@PathVariable String id) {
        return messages.decide(id, Decision.COMMIT, DecidedBy.PRODUCER);
    }

    @PostMapping("/{id}/rollback")
    TxMessageView rollback(@PathVariable String id) {
        return messages.decide(id, Decision.ROLLBACK, DecidedBy.PRODUCER);
    }

    record ResolveRequest(String decision, @Size(max = 500) String reason) {
    }

    /** An operator's decision for a PARKED message (ask the producer's records first). */
    @PostMapping("/{id}/resolve")
    TxMessageView resolve(@PathVariable String id, @Valid @RequestBody ResolveRequest request) {
        String reason = (request.decision() == null ? "" : request.decision())
                + (request.reason() == null || request.reason().isBlank() ? "" : ": " + request.reason());
        return audit.perform(Audit.Actor.ofApiCaller(), new Audit.Request("tx-message.resolve", null,
                "transactional message " + id, reason), () -> {
                    Decision decision = parse(Decision.class, "decision", request.decision(), "COMMIT or ROLLBACK");
                    if (decision == null) {
                        throw new InvalidInputException("decision", "is required: COMMIT or ROLLBACK");
                    }
                    return Audit.Done.of(messages.decide(id, decision, DecidedBy.OPERATOR));
                });
    }

    @GetMapping("/{id}")
    TxMessageView find(@PathVariable String id) {
        return messages.find(id);
    }

    /** Oldest first, e.g. {@code ?state=PARKED} for the operator's to-do list. */
    @GetMapping
    List<TxMessageView> list(@RequestParam(required = false) String state,
                             @RequestParam(defaultValue = "100") int limit) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new InvalidInputException("limit", "must be between 1 and " + MAX_LIMIT);
        }
        return messages.list(parse(TxMessageState.class, "state", state, "HALF, COMMITTED, ROLLED_BACK or PARKED"),
                limit);
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String field, String value, String allowed) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Enum.valueOf(type, value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(field, "must be " + allowed + ", was '" + value + "'");
        }
    }
}
