package io.sagaflow.ops;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.audit.Audit;
import io.sagaflow.audit.AuditRecord;
import io.sagaflow.errors.ConflictException;
import io.sagaflow.errors.InvalidInputException;
import io.sagaflow.errors.NotFoundException;
import io.sagaflow.roles.ConditionalOnOrchestratorRole;
import io.sagaflow.saga.Sagas;
import io.sagaflow.support.Sha256;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.repository.ProcessDefinition;
import org.camunda.bpm.engine.runtime.Incident;
import org.camunda.bpm.engine.runtime.IncidentQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Repairs by filter instead of one click per saga: retry the incidents, requeue the FAILED outbox
 * rows, replay the parked messages or abort the sagas a filter chooses (process key, version, step,
 * status, error text, time window), as one asynchronous batch.
 *
 * <p>A submission resolves the filter to its items at once (what the preview counted, at most
 * {@value #MAX_ITEMS}), records them and the submission's audit record in one transaction, and
 * answers. Every instance then works the items off in the background, one per transaction, claimed
 * with {@code FOR UPDATE SKIP LOCKED}; each is done under the submitter's name with its own audit
 * record, as the single repair would be, and ends DONE, FAILED (with why) or SKIPPED (cancelled).
 * The same action and filter submitted while it runs finds the running batch (the database's unique
 * {@code running_key}); submitted after it ended, its filter no longer finds what was repaired.
 */
@Service
@ConditionalOnOrchestratorRole
public class BulkRepairs {

    private static final Logger log = LoggerFactory.getLogger(BulkRepairs.class);

    /** A filter that chooses more is refused: narrow it (by time window, say) and submit several. */
    static final int MAX_ITEMS = 10_000;
    private static final int SAMPLE = 20;

    /** What a bulk repair does to each item. */
    public enum Action {
        INCIDENT_RETRY("incident.retry"), OUTBOX_REQUEUE("outbox.requeue"), PARKED_REPLAY("parked.replay"),
        SAGA_ABORT("saga.abort");

        private final String name;

        Action(String name) {
            this.name = name;
        }

        public String externalName() {
            return name;
        }

        static Action of(String name) {
            for (Action action : values()) {
                if (action.name.equals(name)) {
                    return action;
                }
            }
            throw new InvalidInputException("action", "is one of incident.retry, outbox.requeue, parked.replay, "
                    + "saga.abort, not " + name);
        }
    }

    /**
     * Chooses the items; {@code null} fields choose everything. Not every field applies to every
     * action (a parked message has no step): one that does not is refused, naming it.
     *
     * @param status for saga.abort: RUNNING or FAILED (in an incident)
     * @param errorText a part of the incident message, the row's last error, the parking reason or the saga's reason
     * @param from inclusive start of the time window (incident raised, row written, message parked, saga started)
     * @param to exclusive end of the time window
     */
    public record Filter(String processKey, Integer processDefinitionVersion, String step, String status,
                         String errorText, Instant from, Instant to) {
    }

    /** One thing to repair: an incident's job, an outbox message, a parked message or a saga. */
    record Target(String id, String sagaId) {
    }

    public record Preview(String action, int count, List<String> sample) {
    }

    /** @param alreadyRunning the same action and filter was running: this is that batch */
    public record Submitted(String bulkRepairId, int total, boolean alreadyRunning) {
    }

    public record Item(int seq, String target, String sagaId, String status, String detail, Instant doneAt) {
    }

    public record Progress(String bulkRepairId, String action, Filter filter, String reason, String status,
                           int total, Map<String, Integer> counts, String requestedBy, Instant createdAt,
                           Instant finishedAt, List<Item> items) {
    }

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final Audit audit;
    private final Repairs repairs;
    private final Sagas sagas;
    private final RuntimeService runtime;
    private final RepositoryService repository;
    private final ManagementService management;
    private final ObjectMapper json;
    private final Clock clock;

    BulkRepairs(JdbcTemplate jdbc, TransactionTemplate transactions, Audit audit, Repairs repairs, Sagas sagas,
                RuntimeService runtime, RepositoryService repository, ManagementService management,
                ObjectMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.audit = audit;
        this.repairs = repairs;
        this.sagas = sagas;
        this.runtime = runtime;
        this.repository = repository;
        this.management = management;
        this.json = json;
        this.clock = clock;
    }

    /** How many items the filter chooses now, and the first few. */
    public Preview preview(String actionName, Filter filter) {
        Action action = Action.of(actionName);
        List<Target> targets = targets(action, filter);
        return new Preview(action.externalName(), targets.size(),
                targets.stream().limit(SAMPLE).map(Target::id).toList());
    }

    /**
     * Records the batch with its items (audited as {@code bulk.<action>}), or answers the running
     * batch of the same action and filter.
     */
    public Submitted submit(String actionName, Filter filter, String reason, Audit.Actor actor) {
        Action action = Action.of(actionName);
        if (action == Action.SAGA_ABORT && (reason == null || reason.isBlank())) {
            throw new InvalidInputException("reason", "is required to abort sagas: it is their compensation's reason");
        }
        String filterJson = write(filter);
        String runningKey = Sha256.hex(action.externalName() + " " + filterJson);
        Optional<Submitted> running = running(runningKey);
        if (running.isPresent()) {
            return running.get();
        }
        String id = "bulk-" + UUID.randomUUID();
        try {
            return audit.perform(actor, new Audit.Request("bulk." + action.externalName(), null,
                    "bulk repair " + id + " of " + filterJson, reason), () -> {
                List<Target> targets = targets(action, filter);
                jdbc.update("""
                        INSERT INTO sagaflow.bulk_repair (id, action, filter, reason, status, running_key, total,
                            requested_by, requester_kind, requested_via, created_at)
                        VALUES (?, ?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?)
                        """, id, action.name(), filterJson, reason, runningKey, targets.size(), actor.name(),
                        actor.kind().name(), actor.via(), Timestamp.from(clock.instant()));
                List<Object[]> items = new ArrayList<>();
                for (int i = 0; i < targets.size(); i++) {
                    items.add(new Object[] {id, i + 1, targets.get(i).id(), targets.get(i).sagaId()});
                }
                jdbc.batchUpdate("""
                        INSERT INTO sagaflow.bulk_repair_item (repair_id, seq, target, saga_id, status)
                        VALUES (?, ?, ?, ?, 'PENDING')
                        """, items);
                finishIfDone(id);
                return Audit.Done.of(new Submitted(id, targets.size(), false));
            });
        } catch (DuplicateKeyException sameSubmittedAtOnce) {
            return running(runningKey).orElseThrow(() -> sameSubmittedAtOnce);
        }
    }

    /** Stops a running batch: its items not done yet are SKIPPED. */
    public Progress cancel(String id) {
        Integer cancelled = transactions.execute(status -> {
            int changed = jdbc.update("UPDATE sagaflow.bulk_repair SET status = 'CANCELLED', running_key = NULL, "
                    + "finished_at = ? WHERE id = ? AND status = 'RUNNING'", Timestamp.from(clock.instant()), id);
            if (changed == 1) {
                jdbc.update("UPDATE sagaflow.bulk_repair_item SET status = 'SKIPPED', detail = 'cancelled', done_at = ? "
                        + "WHERE repair_id = ? AND status = 'PENDING'", Timestamp.from(clock.instant()), id);
            }
            return changed;
        });
        Progress progress = progress(id);
        if (cancelled == null || cancelled == 0) {
            throw new ConflictException("bulk repair " + id + " is " + progress.status() + ", not RUNNING");
        }
        return progress;
    }

    public Progress progress(String id) {
        Progress header = jdbc.query("SELECT * FROM sagaflow.bulk_repair WHERE id = ?", (rs, n) -> new Progress(
                rs.getString("id"), Action.valueOf(rs.getString("action")).externalName(), read(rs.getString("filter")),
                rs.getString("reason"), rs.getString("status"), rs.getInt("total"), Map.of(),
                rs.getString("requested_by"), rs.getTimestamp("created_at").toInstant(),
                rs.getTimestamp("finished_at") == null ? null : rs.getTimestamp("finished_at").toInstant(), List.of()),
                id).stream().findFirst().orElseThrow(() -> new NotFoundException("no bulk repair " + id));
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (String status : List.of("PENDING", "DONE", "FAILED", "SKIPPED")) {
            counts.put(status, 0);
        }
        jdbc.query("SELECT status, COUNT(*) AS n FROM sagaflow.bulk_repair_item WHERE repair_id = ? GROUP BY status",
                rs -> {
                    counts.put(rs.getString("status"), rs.getInt("n"));
                }, id);
        List<Item> items = jdbc.query("""
                SELECT * FROM sagaflow.bulk_repair_item WHERE repair_id = ? ORDER BY seq LIMIT ?
                """, (rs, n) -> new Item(rs.getInt("seq"), rs.getString("target"), rs.getString("saga_id"),
                rs.getString("status"), rs.getString("detail"),
                rs.getTimestamp("done_at") == null ? null : rs.getTimestamp("done_at").toInstant()), id, MAX_ITEMS);
        return new Progress(header.bulkRepairId(), header.action(), header.filter(), header.reason(), header.status(),
                header.total(), counts, header.requestedBy(), header.createdAt(), header.finishedAt(), items);
    }

    /** Works off pending items of running batches on this instance, one per transaction. */
    @Scheduled(fixedDelayString = "${sagaflow.ops.bulk-repair-interval:PT0.5S}")
    void work() {
        for (int i = 0; i < 500 && workOne(); i++) {
            // bounded, so a round ends and the scheduler thread serves its other tasks
        }
    }

    private record Claimed(String repairId, int seq, String target, String sagaId, Action action, String reason,
                           Audit.Actor actor) {
    }

    /** @return whether an item was found */
    boolean workOne() {
        Claimed[] claimed = {null};
        try {
            transactions.execute(status -> {
                claimed[0] = claimNext().orElse(null);
                if (claimed[0] != null) {
                    apply(claimed[0]);
                    record(claimed[0], "DONE", null);
                }
                return null;
            });
        } catch (RuntimeException failed) {
            if (claimed[0] == null) {
                log.warn("Could not claim a bulk repair item: {}", failed.toString());
                return false;
            }
            // The repair refused or failed (its audit record says so too): the item records why.
            Claimed item = claimed[0];
            transactions.execute(status -> {
                if (jdbc.queryForList("SELECT status FROM sagaflow.bulk_repair_item WHERE repair_id = ? AND seq = ? "
                        + "FOR UPDATE", String.class, item.repairId(), item.seq()).contains("PENDING")) {
                    record(item, "FAILED", String.valueOf(failed.getMessage()));
                }
                return null;
            });
        }
        if (claimed[0] != null) {
            transactions.execute(status -> {
                finishIfDone(claimed[0].repairId());
                return null;
            });
        }
        return claimed[0] != null;
    }

    private Optional<Claimed> claimNext() {
        return jdbc.query("""
                SELECT i.repair_id, i.seq, i.target, i.saga_id FROM sagaflow.bulk_repair_item i
                WHERE i.status = 'PENDING'
                  AND i.repair_id IN (SELECT r.id FROM sagaflow.bulk_repair r WHERE r.status = 'RUNNING')
                ORDER BY i.repair_id, i.seq
                LIMIT 1
                FOR UPDATE SKIP LOCKED
                """, (rs, n) -> new String[] {rs.getString("repair_id"), String.valueOf(rs.getInt("seq")),
                rs.getString("target"), rs.getString("saga_id")}).stream().findFirst().map(row -> {
            return jdbc.queryForObject("SELECT * FROM sagaflow.bulk_repair WHERE id = ?", (rs, n) -> new Claimed(row[0],
                    Integer.parseInt(row[1]), row[2], row[3], Action.valueOf(rs.getString("action")),
                    rs.getString("reason"), new Audit.Actor(rs.getString("requested_by"),
                    AuditRecord.ActorKind.valueOf(rs.getString("requester_kind")), rs.getString("requested_via"))),
                    row[0]);
        });
    }

    /** The single repair, under the submitter's name, with its own audit record. */
    private void apply(Claimed item) {
        String why = item.reason() == null ? "bulk repair " + item.repairId()
                : item.reason() + " (bulk repair " + item.repairId() + ")";
        switch (item.action()) {
            case INCIDENT_RETRY -> audit.perform(item.actor(), new Audit.Request("incident.retry", item.sagaId(),
                    "job " + item.target(), why), () -> {
                management.setJobRetries(item.target(), 1);
                return Audit.Done.of(null);
            });
            case OUTBOX_REQUEUE -> audit.perform(item.actor(), new Audit.Request("outbox.requeue", item.sagaId(),
                    item.target(), why), () -> new Audit.Done<>(null, repairs.requeue(item.target())));
            case PARKED_REPLAY -> audit.perform(item.actor(), new Audit.Request("parked.replay", item.sagaId(),
                    "parked message " + item.target(), why),
                    () -> new Audit.Done<>(null, repairs.replay(Long.parseLong(item.target()))));
            case SAGA_ABORT -> audit.perform(item.actor(), new Audit.Request("saga.abort", item.sagaId(), null, why),
                    () -> {
                        sagas.abort(item.target(), why);
                        return Audit.Done.of(null);
                    });
        }
    }

    private void record(Claimed item, String status, String detail) {
        jdbc.update("UPDATE sagaflow.bulk_repair_item SET status = ?, detail = ?, done_at = ? WHERE repair_id = ? AND seq = ?",
                status, detail == null ? null : detail.substring(0, Math.min(detail.length(), 2000)),
                Timestamp.from(clock.instant()), item.repairId(), item.seq());
    }

    private void finishIfDone(String id) {
        jdbc.update("""
                UPDATE sagaflow.bulk_repair SET status = 'DONE', running_key = NULL, finished_at = ?
                WHERE id = ? AND status = 'RUNNING'
                  AND NOT EXISTS (SELECT 1 FROM sagaflow.bulk_repair_item WHERE repair_id = ? AND status = 'PENDING')
                """, Timestamp.from(clock.instant()), id, id);
    }

    private Optional<Submitted> running(String runningKey) {
        return jdbc.query("SELECT id, total FROM sagaflow.bulk_repair WHERE running_key = ?",
                (rs, n) -> new Submitted(rs.getString("id"), rs.getInt("total"), true), runningKey).stream().findFirst();
    }

    // --- what a filter chooses ------------------------------------------------------------------

    private List<Target> targets(Action action, Filter filter) {
        Filter f = filter == null ? new Filter(null, null, null, null, null, null, null) : filter;
        if (f.processDefinitionVersion() != null && f.processKey() == null) {
            throw new InvalidInputException("filter.processDefinitionVersion", "needs processKey: a version belongs to one saga");
        }
        List<Target> targets = switch (action) {
            case INCIDENT_RETRY -> incidents(f);
            case OUTBOX_REQUEUE -> failedOutboxRows(f);
            case PARKED_REPLAY -> parkedMessages(f);
            case SAGA_ABORT -> runningSagas(f);
        };
        if (targets.size() > MAX_ITEMS) {
            throw new InvalidInputException("filter", "chooses " + targets.size() + " items, more than " + MAX_ITEMS
                    + " in one bulk repair: narrow it (a time window) and submit several");
        }
        return targets;
    }

    private List<Target> incidents(Filter f) {
        refuse(f.status(), "filter.status", "incident.retry");
        IncidentQuery query = runtime.createIncidentQuery().incidentType(Incident.FAILED_JOB_HANDLER_TYPE);
        if (f.processKey() != null) {
            if (f.processDefinitionVersion() != null) {
                ProcessDefinition definition = repository.createProcessDefinitionQuery().processDefinitionKey(f.processKey())
                        .processDefinitionVersion(f.processDefinitionVersion()).singleResult();
                if (definition == null) {
                    return List.of();
                }
                query.processDefinitionId(definition.getId());
            } else {
                query.processDefinitionKeyIn(f.processKey());
            }
        }
        if (f.step() != null) {
            query.activityId(f.step());
        }
        if (f.errorText() != null) {
            query.incidentMessageLike("%" + f.errorText() + "%");
        }
        if (f.from() != null) {
            query.incidentTimestampAfter(Date.from(f.from().minusMillis(1)));
        }
        if (f.to() != null) {
            query.incidentTimestampBefore(Date.from(f.to()));
        }
        return query.orderByIncidentTimestamp().asc().listPage(0, MAX_ITEMS + 1).stream()
                .filter(incident -> incident.getConfiguration() != null)
                .map(incident -> new Target(incident.getConfiguration(), incident.getProcessInstanceId())).toList();
    }

    private List<Target> failedOutboxRows(Filter f) {
        refuse(f.status(), "filter.status", "outbox.requeue");
        StringBuilder sql = new StringBuilder("""
                SELECT o.message_id, o.ordering_key FROM sagaflow.outbox_message o
                LEFT JOIN sagaflow.saga_step s ON s.command_id = o.message_id
                LEFT JOIN sagaflow.saga g ON g.saga_id = o.ordering_key
                WHERE o.status = 'FAILED'""");
        List<Object> arguments = new ArrayList<>();
        sagaFilters(f, sql, arguments, "g");
        if (f.step() != null) {
            sql.append(" AND s.activity_id = ?");
            arguments.add(f.step());
        }
        textAndTime(f, sql, arguments, "o.last_error", "o.created_at");
        sql.append(" ORDER BY o.seq LIMIT ?");
        arguments.add(MAX_ITEMS + 1);
        return jdbc.query(sql.toString(), (rs, n) -> new Target(rs.getString("message_id"), rs.getString("ordering_key")),
                arguments.toArray());
    }

    private List<Target> parkedMessages(Filter f) {
        refuse(f.processKey(), "filter.processKey", "parked.replay");
        refuse(f.step(), "filter.step", "parked.replay");
        refuse(f.status(), "filter.status", "parked.replay");
        StringBuilder sql = new StringBuilder("SELECT id FROM sagaflow.parked_message p WHERE 1 = 1");
        List<Object> arguments = new ArrayList<>();
        textAndTime(f, sql, arguments, "p.reason", "p.parked_at");
        sql.append(" ORDER BY id LIMIT ?");
        arguments.add(MAX_ITEMS + 1);
        return jdbc.query(sql.toString(), (rs, n) -> new Target(String.valueOf(rs.getLong("id")), null),
                arguments.toArray());
    }

    private List<Target> runningSagas(Filter f) {
        StringBuilder sql = new StringBuilder("SELECT g.saga_id FROM sagaflow.saga g WHERE g.status IN ('RUNNING', 'FAILED')");
        List<Object> arguments = new ArrayList<>();
        if (f.status() != null) {
            String status = f.status().toUpperCase(Locale.ROOT);
            if (!List.of("RUNNING", "FAILED").contains(status)) {
                throw new InvalidInputException("filter.status", "is RUNNING or FAILED (a saga that has not ended), not "
                        + f.status());
            }
            sql.append(" AND g.status = ?");
            arguments.add(status);
        }
        sagaFilters(f, sql, arguments, "g");
        if (f.step() != null) {
            sql.append(" AND g.reason_step = ?");
            arguments.add(f.step());
        }
        textAndTime(f, sql, arguments, "g.reason", "g.started_at");
        sql.append(" ORDER BY g.started_at, g.saga_id LIMIT ?");
        arguments.add(MAX_ITEMS + 1);
        return jdbc.query(sql.toString(), (rs, n) -> new Target(rs.getString("saga_id"), rs.getString("saga_id")),
                arguments.toArray());
    }

    private static void sagaFilters(Filter f, StringBuilder sql, List<Object> arguments, String saga) {
        if (f.processKey() != null) {
            sql.append(" AND ").append(saga).append(".process_key = ?");
            arguments.add(f.processKey());
        }
        if (f.processDefinitionVersion() != null) {
            sql.append(" AND ").append(saga).append(".definition_version = ?");
            arguments.add(f.processDefinitionVersion());
        }
    }

    private static void textAndTime(Filter f, StringBuilder sql, List<Object> arguments, String text, String time) {
        if (f.errorText() != null) {
            sql.append(" AND ").append(text).append(" LIKE ?");
            arguments.add("%" + f.errorText() + "%");
        }
        if (f.from() != null) {
            sql.append(" AND ").append(time).append(" >= ?");
            arguments.add(Timestamp.from(f.from()));
        }
        if (f.to() != null) {
            sql.append(" AND ").append(time).append(" < ?");
            arguments.add(Timestamp.from(f.to()));
        }
    }

    private static void refuse(String value, String field, String action) {
        if (value != null) {
            throw new InvalidInputException(field, "does not apply to " + action);
        }
    }

    private String write(Filter filter) {
        try {
            return json.writeValueAsString(filter == null ? new Filter(null, null, null, null, null, null, null) : filter);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Filter read(String text) {
        try {
            return json.readValue(text, Filter.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored filter unreadable: " + e.getOriginalMessage(), e);
        }
    }
}
