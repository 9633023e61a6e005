package io.sagaflow.audit;

import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.errors.InvalidInputException;
import org.camunda.bpm.engine.HistoryService;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

/**
 * The audit trail for operators ({@code sagas:operate}; SecurityConfiguration): search it, or export
 * a time range as JSON Lines (one record per line) for an archive or a SIEM.
 */
@RestController
@RequestMapping("/api/audit")
class AuditController {

    /** JSON Lines (jsonlines.org). */
    static final MediaType JSON_LINES = MediaType.parseMediaType("application/jsonl");
    private static final int MAX_LIMIT = 1000;

    private final Audit audit;
    private final ObjectMapper objectMapper;
    private final HistoryService history;

    AuditController(Audit audit, ObjectMapper objectMapper, HistoryService history) {
        this.audit = audit;
        this.objectMapper = objectMapper;
        this.history = history;
    }

    /**
     * A page of records, oldest first; {@code after} is the last seq of the previous page. With a
     * {@code sagaId}, also what people did to that saga through Camunda itself (Cockpit's Retry of an
     * incident, a modification, a suspension), from Camunda's user operation log.
     */
    record AuditPage(List<AuditRecord> items, Long next, List<EngineOperation> engineOperations) {
    }

    /** One operation of Camunda's user operation log: who, when, what (on which job, where it is one). */
    record EngineOperation(java.time.Instant at, String user, String operation, String entity, String jobId,
                           String property, String newValue) {
    }

    @GetMapping
    AuditPage search(@RequestParam(required = false) String sagaId, @RequestParam(required = false) String actor,
                     @RequestParam(required = false) String from, @RequestParam(required = false) String to,
                     @RequestParam(required = false) String after, @RequestParam(required = false) String limit) {
        int size = limit == null ? 100 : number("limit", limit, 1, MAX_LIMIT);
        List<AuditRecord> items = audit.find(blankToNull(sagaId), blankToNull(actor), instant("from", from),
                instant("to", to), after == null ? 0 : number("after", after, 0, Integer.MAX_VALUE), size);
        List<EngineOperation> engine = sagaId == null || sagaId.isBlank() ? List.of()
                : history.createUserOperationLogQuery().processInstanceId(sagaId.trim()).orderByTimestamp().asc()
                        .listPage(0, MAX_LIMIT).stream()
                        .map(entry -> new EngineOperation(entry.getTimestamp().toInstant(), entry.getUserId(),
                                entry.getOperationType(), entry.getEntityType(), entry.getJobId(),
                                entry.getProperty(), entry.getNewValue()))
                        .toList();
        return new AuditPage(items, items.size() == size ? items.get(items.size() - 1).seq() : null, engine);
    }

    @GetMapping("/export")
    ResponseEntity<StreamingResponseBody> export(@RequestParam String from, @RequestParam String to) {
        Instant start = instant("from", from);
        Instant end = instant("to", to);
        StreamingResponseBody body = out -> {
            Writer writer = new OutputStreamWriter(out, StandardCharsets.UTF_8);
            audit.forEach(start, end, record -> {
                try {
                    writer.write(objectMapper.writeValueAsString(record));
                    writer.write('\n');
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writer.flush();
        };
        return ResponseEntity.ok().contentType(JSON_LINES)
                .header("Content-Disposition", "attachment; filename=\"sagaflow-audit.jsonl\"").body(body);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.trim();
    }

    private static Instant instant(String field, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw new InvalidInputException(field, "must be an ISO-8601 instant such as 2026-12-06T10:00:00Z");
        }
    }

    private static int number(String field, String value, int min, int max) {
        try {
            int number = Integer.parseInt(value.trim());
            if (number < min || number > max) {
                throw new InvalidInputException(field, "must be between " + min + " and " + max);
            }
            return number;
        } catch (NumberFormatException e) {
            throw new InvalidInputException(field, "must be a whole number");
        }
    }
}
