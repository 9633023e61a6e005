package io.sagaflow.saga;

import java.net.URI;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import io.sagaflow.audit.Audit;
import io.sagaflow.errors.InvalidInputException;
import io.sagaflow.security.Callers;
import io.sagaflow.start.SagaStartEndpoint;
import io.sagaflow.start.SagaStatus;
import io.sagaflow.start.StartedSaga;
import io.sagaflow.web.IdempotentRequests;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;

/** Start any deployed saga by its process key, find sagas, and follow one by its id. */
@RestController
@RequestMapping("/api/sagas")
class SagaController {

    static final int DEFAULT_PAGE_SIZE = 20;
    static final int MAX_PAGE_SIZE = 200;

    private final Sagas sagas;
    private final SagaMessages messages;
    private final IdempotentRequests idempotentRequests;
    private final AwaitedEvents awaitedEvents;
    private final Audit audit;

    SagaController(Sagas sagas, SagaMessages messages, IdempotentRequests idempotentRequests,
                   AwaitedEvents awaitedEvents, Audit audit) {
        this.audit = audit;
        this.awaitedEvents = awaitedEvents;
        this.sagas = sagas;
        this.messages = messages;
        this.idempotentRequests = idempotentRequests;
    }

    /**
     * 202 for a new saga; 200 with the existing saga if one with the same business key and the same
     * input exists; 409 naming it if its input differs; 503 with {@code Retry-After} while the service
     * sheds load.
     */
    @PostMapping("/{processKey}")
    @SagaStartEndpoint
    ResponseEntity<StartedSaga> start(@PathVariable String processKey,
                                      @RequestHeader(name = IdempotentRequests.HEADER, required = false)
                                      String idempotencyKey,
                                      @RequestBody Map<String, Object> input) {
        return idempotentRequests.execute(idempotencyKey, "POST /api/sagas/" + processKey, input,
                StartedSaga.class, () -> SagaStartAnswers.of(sagas.start(processKey, input)));
    }

    /** One page of a saga search. */
    record SagaPage(List<SagaSummary> items, int page, int size, Map<String, String> links) {
    }

    /** A saga as search lists it. */
    record SagaSummary(String sagaId, String processKey, String businessKey, SagaStatus status, String reason,
                       Instant startedAt, Instant endedAt, String reasonStep, Integer processDefinitionVersion) {
    }

    /**
     * Sagas newest first (ties by saga id, so pages are stable), filtered by any of process key,
     * business key, status, start time and the version of the definition they run on; links to the next and previous page in the body and in
     * the {@code Link} header. A client finds only the sagas it started.
     */
    @GetMapping
    ResponseEntity<SagaPage> search(@RequestParam(required = false) String processKey,
                                    @RequestParam(required = false) String businessKey,
                                    @RequestParam(required = false) String status,
                                    @RequestParam(required = false) String startedAfter,
                                    @RequestParam(required = false) String processDefinitionVersion,
                                    @RequestParam(required = false) String page,
                                    @RequestParam(required = false) String size,
                                    @RequestParam(required = false) String pastDeadline) {
        SagaQuery query = new SagaQuery(blankToNull(processKey), blankToNull(businessKey), status(status),
                instant("startedAfter", startedAfter),
                processDefinitionVersion == null || processDefinitionVersion.isBlank() ? null
                        : integer("processDefinitionVersion", processDefinitionVersion, 0, 1, Integer.MAX_VALUE),
                Callers.ownSagasOnly(),
                integer("page", page, 0, 0, Integer.MAX_VALUE / MAX_PAGE_SIZE),
                integer("size", size, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE), bool("pastDeadline", pastDeadline));
        if (query.definitionVersion() != null && query.processKey() == null) {
            // A version number belongs to one saga definition.
            throw new InvalidInputException("processDefinitionVersion", "needs processKey: a version belongs to one saga");
        }
        List<SagaRegistry.SagaRecord> found = sagas.search(query);
        boolean hasNext = found.size() > query.size();
        List<SagaSummary> items = found.stream().limit(query.size())
                .map(saga -> new SagaSummary(saga.sagaId(), saga.processKey(), saga.businessKey(), saga.status(),
                        saga.reason(), saga.startedAt(), saga.endedAt(), saga.reasonStep(),
                        saga.definitionVersion()))
                .toList();
        Map<String, String> links = new LinkedHashMap<>();
        links.put("self", pageLink(query, query.page()));
        if (hasNext) {
            links.put("next", pageLink(query, query.page() + 1));
        }
        if (query.page() > 0) {
            links.put("prev", pageLink(query, query.page() - 1));
        }
        String linkHeader = links.entrySet().stream()
                .map(link -> "<" + link.getValue() + ">; rel=\"" + link.getKey() + "\"")
                .reduce((a, b) -> a + ", " + b).orElseThrow();
        return ResponseEntity.ok().header(HttpHeaders.LINK, linkHeader)
                .body(new SagaPage(items, query.page(), query.size(), links));
    }

    /**
     * How many sagas run (not ended: waiting, compensating or in an incident) on each version of each
     * saga definition, optionally of one process key: after a redeployment old sagas finish on the
     * version they started on. A client counts only the sagas it started.
     */
    @GetMapping("/versions")
    List<SagasOnVersion> versions(@RequestParam(required = false) String processKey) {
        return sagas.runningByVersion(blankToNull(processKey), Callers.ownSagasOnly());
    }

    /** Optional body of an abort. */
    record AbortRequest(@Size(max = 500) String reason) {
    }

    /**
     * An event the saga waits for: {@code eventId} (or the {@code Idempotency-Key} header) makes a
     * repeated delivery harmless; {@code variables} become the saga's.
     */
    record EventRequest(String eventId, Map<String, Object> variables) {
    }

    /**
     * Delivers an event a saga waits for (a BPMN message catch event or receive task named
     * {@code name}): 202 when it moved the saga on, 200 when the saga had this event id already, 409
     * when the saga is not waiting for it (not yet, or no longer), 404 for an unknown saga.
     */
    @PostMapping("/{sagaId}/events/{name}")
    ResponseEntity<AwaitedEvents.Delivery> deliverEvent(@PathVariable String sagaId, @PathVariable String name,
                                                        @RequestHeader(name = IdempotentRequests.HEADER, required = false)
                                                        String idempotencyKey,
                                                        @RequestBody(required = false) EventRequest request) {
        String eventId = request != null && request.eventId() != null ? request.eventId() : idempotencyKey;
        AwaitedEvents.Delivery delivery = awaitedEvents.deliver(sagaId, name, eventId,
                request == null ? null : request.variables(), Callers.ownSagasOnly());
        return (delivery.duplicate() ? ResponseEntity.ok() : ResponseEntity.accepted())
                .location(URI.create("/api/sagas/" + sagaId)).body(delivery);
    }

    @PostMapping("/{sagaId}/abort")
    ResponseEntity<SagaView> abort(@PathVariable String sagaId,
                                   @Valid @RequestBody(required = false) AbortRequest request) {
        String reason = request == null || request.reason() == null || request.reason().isBlank()
                ? "no reason given" : request.reason();
        audit.perform(Audit.Actor.ofApiCaller(), new Audit.Request("saga.abort", sagaId, null, reason), () -> {
            sagas.abort(sagaId, reason);
            return Audit.Done.of(null);
        });
        return ResponseEntity.accepted().location(URI.create("/api/sagas/" + sagaId)).body(sagas.find(sagaId));
    }

    /** A client sees only the sagas it started: another's answers 404, as an unknown id does. */
    @GetMapping("/{sagaId}")
    SagaView find(@PathVariable String sagaId) {
        return sagas.find(sagaId, Callers.ownSagasOnly());
    }

    /**
     * The saga's step commands, its outbox rows (with {@code lastError} and attempts) and the parked
     * messages that name it: what Cockpit's "Saga messages" tab shows.
     */
    @GetMapping("/{sagaId}/messages")
    SagaMessages.Messages messages(@PathVariable String sagaId) {
        sagas.find(sagaId, Callers.ownSagasOnly()); // 404 for an unknown saga, or another client's
        return messages.of(sagaId);
    }

    private static String pageLink(SagaQuery query, int page) {
        UriComponentsBuilder link = UriComponentsBuilder.fromPath("/api/sagas");
        if (query.processKey() != null) {
            link.queryParam("processKey", query.processKey());
        }
        if (query.businessKey() != null) {
            link.queryParam("businessKey", query.businessKey());
        }
        if (query.status() != null) {
            link.queryParam("status", query.status().name());
        }
        if (query.startedAfter() != null) {
            link.queryParam("startedAfter", query.startedAfter().toString());
        }
        if (query.definitionVersion() != null) {
            link.queryParam("processDefinitionVersion", query.definitionVersion());
        }
        if (query.pastDeadline()) {
            link.queryParam("pastDeadline", true);
        }
        return link.queryParam("page", page).queryParam("size", query.size()).encode().build().toUriString();
    }

    private static boolean bool(String field, String value) {
        if (value == null || value.isBlank() || "false".equals(value)) {
            return false;
        }
        if ("true".equals(value)) {
            return true;
        }
        throw new InvalidInputException(field, "is true or false, not " + value);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    private static SagaStatus status(String value) {
        if (blankToNull(value) == null) {
            return null;
        }
        try {
            return SagaStatus.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("status", "is \"" + value + "\"; one of "
                    + Arrays.toString(SagaStatus.values()));
        }
    }

    private static Instant instant(String field, String value) {
        if (blankToNull(value) == null) {
            return null;
        }
        try {
            return Instant.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw new InvalidInputException(field, "is \"" + value + "\"; an ISO-8601 instant such as "
                    + "2026-12-04T10:15:30Z");
        }
    }

    private static int integer(String field, String value, int defaultValue, int min, int max) {
        if (blankToNull(value) == null) {
            return defaultValue;
        }
        try {
            int number = Integer.parseInt(value.trim());
            if (number >= min && number <= max) {
                return number;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new InvalidInputException(field, "is \"" + value + "\"; a whole number from " + min + " to " + max);
    }
}
