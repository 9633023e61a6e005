package io.sagaflow.saga;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.audit.Audit;
import io.sagaflow.contract.Operation;
import io.sagaflow.errors.ConflictException;
import io.sagaflow.errors.InvalidInputException;
import io.sagaflow.errors.NotFoundException;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.RepositoryServiceImpl;
import org.camunda.bpm.engine.impl.bpmn.helper.BpmnProperties;
import org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.camunda.bpm.engine.migration.MigrationInstruction;
import org.camunda.bpm.engine.migration.MigrationPlan;
import org.camunda.bpm.engine.migration.MigrationPlanBuilder;
import org.camunda.bpm.engine.repository.ProcessDefinition;
import org.camunda.bpm.engine.runtime.Execution;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Moves running sagas to another version of their definition, saga-aware. Camunda's migration API
 * moves the engine's state (executions, event subscriptions, incidents); before it may, each saga is
 * checked against what only Sagaflow knows:
 * <ul>
 *   <li>a command in flight waits for its reply in a step: the step must map to a step of the target
 *       that sends the same command, or the reply would answer a command it was not sent for;</li>
 *   <li>a completed step still owes its compensation: it must map to a step of the target whose
 *       compensation sends the same command, or an effect would stay that nobody undoes;</li>
 *   <li>a saga compensating, or waiting on a sub-saga, finishes on its version;</li>
 *   <li>then Camunda's own checks, by migrating in a transaction that is rolled back.</li>
 * </ul>
 * A saga that passes moves in one transaction with its step records (a renamed step's record takes
 * the new activity id and keeps its step name, the key of the participants' barrier, so its
 * compensation still finds what the participant did), its registry row and its audit record. The
 * run is recorded per saga ({@code sagaflow.saga_migration_item}) and worked off by every instance,
 * {@code FOR UPDATE SKIP LOCKED}, so progress survives a crash and the check is repeated under the
 * saga's step locks in case a reply moved it since the dry run.
 */
@Component
public class SagaMigrations {

    private static final Logger log = LoggerFactory.getLogger(SagaMigrations.class);

    /** What to migrate: {@code targetVersion} is a version number or {@code latest} (default). */
    public record Request(String processKey, Integer sourceVersion, String targetVersion, Map<String, String> mapping,
                   List<String> sagaIds, String status, String reason) {
    }

    /** A step the saga waits in, and where it goes. */
    public record WaitingStep(String activityId, String targetActivityId, String command, String status,
                       Instant deadlineAt, boolean commandUnpublished) {
    }

    /** One saga's verdict: whether it can move, and why not. */
    public record SagaVerdict(String sagaId, String businessKey, boolean movable, List<String> blockers,
                       List<String> notes, List<WaitingStep> waitingSteps, List<String> completedSteps) {
    }

    /** A dry run's answer. */
    public record Report(String processKey, int sourceVersion, int targetVersion, Map<String, String> mapping,
                  int movable, int leftAlone, List<SagaVerdict> sagas) {
    }

    /** A migration's progress and its result per saga. */
    public record Progress(String migrationId, String processKey, int sourceVersion, int targetVersion,
                    Map<String, String> mapping, String status, String requestedBy, String reason, Instant createdAt,
                    Instant finishedAt, Map<String, Long> counts, List<Item> items) {
    }

    public record Item(String sagaId, String status, String detail) {
    }

    static final String AUDIT_ACTION = "saga.migrate";
    private static final int CLAIM_BATCH = 20;

    private final RepositoryService repository;
    private final RuntimeService runtime;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate inTransaction;
    /** Camunda's dry run: its own transaction, always rolled back, whatever runs around it. */
    private final TransactionTemplate inRolledBackTransaction;
    private final Audit audit;
    private final ObjectMapper json;
    private final Clock clock;

    SagaMigrations(RepositoryService repository, RuntimeService runtime, JdbcTemplate jdbc,
                   PlatformTransactionManager transactions, Audit audit, ObjectMapper json, Clock clock) {
        this.repository = repository;
        this.runtime = runtime;
        this.jdbc = jdbc;
        this.inTransaction = new TransactionTemplate(transactions);
        this.inRolledBackTransaction = new TransactionTemplate(transactions);
        this.inRolledBackTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.audit = audit;
        this.json = json;
        this.clock = clock;
    }

    /** Checks every saga the request selects and changes nothing. */
    public Report dryRun(Request request) {
        Plan plan = plan(request);
        List<SagaVerdict> verdicts = candidates(plan, request).stream()
                .map(saga -> verdict(plan, saga, true)).toList();
        return report(plan, verdicts);
    }

    /**
     * Records a migration of the sagas the request selects: those that pass the check are moved by
     * the workers ({@link #workOffPendingSagas()}), the others are left alone with the reason.
     */
    public Report start(Request request, Audit.Actor actor, String migrationId) {
        Plan plan = plan(request);
        List<SagaVerdict> verdicts = candidates(plan, request).stream()
                .map(saga -> verdict(plan, saga, true)).toList();
        Instant now = clock.instant();
        inTransaction.executeWithoutResult(status -> {
            jdbc.update("""
                    INSERT INTO sagaflow.saga_migration (migration_id, process_key, source_definition_id,
                        target_definition_id, mapping, requested_by, requested_via, reason, status, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'RUNNING', ?)
                    """, migrationId, plan.source().getKey(), plan.source().getId(), plan.target().getId(),
                    toJson(plan.explicitMapping()), actor.name(), actor.via(), request.reason(), Timestamp.from(now));
            for (SagaVerdict verdict : verdicts) {
                jdbc.update("INSERT INTO sagaflow.saga_migration_item (migration_id, saga_id, status, detail, "
                        + "updated_at) VALUES (?, ?, ?, ?, ?)", migrationId, verdict.sagaId(),
                        verdict.movable() ? "PENDING" : "LEFT_ALONE",
                        verdict.movable() ? null : bounded(String.join("; ", verdict.blockers())), Timestamp.from(now));
            }
            finishIfDone(migrationId);
        });
        return report(plan, verdicts);
    }

    public Progress progress(String migrationId) {
        Map<String, Object> row = jdbc.queryForList("SELECT * FROM sagaflow.saga_migration WHERE migration_id = ?",
                migrationId).stream().findFirst()
                .orElseThrow(() -> new NotFoundException("no saga migration with id '" + migrationId + "'"));
        List<Item> items = jdbc.query("SELECT saga_id, status, detail FROM sagaflow.saga_migration_item "
                + "WHERE migration_id = ? ORDER BY saga_id", (rs, n) -> new Item(rs.getString("saga_id"),
                rs.getString("status"), rs.getString("detail")), migrationId);
        Map<String, Long> counts = new LinkedHashMap<>();
        for (String status : List.of("PENDING", "MIGRATED", "LEFT_ALONE", "FAILED")) {
            counts.put(status, items.stream().filter(item -> status.equals(item.status())).count());
        }
        return new Progress(migrationId, (String) row.get("process_key"),
                definition((String) row.get("source_definition_id")).getVersion(),
                definition((String) row.get("target_definition_id")).getVersion(),
                fromJson((String) row.get("mapping")), (String) row.get("status"), (String) row.get("requested_by"),
                (String) row.get("reason"), instant(row.get("created_at")), instant(row.get("finished_at")), counts,
                items);
    }

    /**
     * Moves the sagas of running migrations, one saga per transaction, on every instance; an item a
     * worker holds is skipped by the others.
     */
    @Scheduled(fixedDelayString = "${sagaflow.saga.migration-poll-interval:PT1S}")
    public void workOffPendingSagas() {
        boolean progressed;
        List<Claimed> pending;
        do {
            pending = jdbc.query("""
                    SELECT i.migration_id, i.saga_id FROM sagaflow.saga_migration_item i
                    WHERE i.status = 'PENDING' ORDER BY i.migration_id, i.saga_id LIMIT ?
                    """, (rs, n) -> new Claimed(rs.getString(1), rs.getString(2)), CLAIM_BATCH);
            progressed = false;
            for (Claimed item : pending) {
                progressed |= migrateOne(item);
            }
            // Items another instance holds stay PENDING here: stop when this round moved none.
        } while (progressed && pending.size() == CLAIM_BATCH);
    }

    private record Claimed(String migrationId, String sagaId) {
    }

    /** @return whether this worker settled the item (else another instance holds or held it) */
    private boolean migrateOne(Claimed item) {
        Map<String, Object> migration = jdbc.queryForMap("SELECT * FROM sagaflow.saga_migration WHERE migration_id = ?",
                item.migrationId());
        Map<String, String> mapping = fromJson((String) migration.get("mapping"));
        Audit.Actor actor = new Audit.Actor((String) migration.get("requested_by"),
                io.sagaflow.audit.AuditRecord.ActorKind.USER, (String) migration.get("requested_via"));
        Audit.Request auditRequest = new Audit.Request(AUDIT_ACTION, item.sagaId(),
                "migration " + item.migrationId() + " to " + migration.get("target_definition_id") + " mapping "
                        + mapping, (String) migration.get("reason"));
        Boolean settled;
        try {
            settled = inTransaction.execute(status -> {
                // The item first, in the transaction that moves the saga: another worker skips it.
                boolean mine = jdbc.query("SELECT saga_id FROM sagaflow.saga_migration_item WHERE migration_id = ? "
                        + "AND saga_id = ? AND status = 'PENDING' FOR UPDATE SKIP LOCKED", (rs, n) -> rs.getString(1),
                        item.migrationId(), item.sagaId()).size() == 1;
                if (!mine) {
                    return false;
                }
                // Joins this transaction: the saga moves with its audit record, or neither does.
                audit.perform(actor, auditRequest, () -> {
                    String moved = move(plan((String) migration.get("source_definition_id"),
                            (String) migration.get("target_definition_id"), mapping), item.sagaId());
                    settle(item, "MIGRATED", moved);
                    return Audit.Done.of(moved);
                });
                return true;
            });
        } catch (ConflictException leftAlone) { // recorded as refused by the audit
            inTransaction.executeWithoutResult(status -> settle(item, "LEFT_ALONE", leftAlone.getMessage()));
            settled = true;
        } catch (RuntimeException failed) { // recorded as failed by the audit
            log.warn("Migration {} of saga {} failed: {}", item.migrationId(), item.sagaId(), failed.toString());
            inTransaction.executeWithoutResult(status -> settle(item, "FAILED", String.valueOf(failed.getMessage())));
            settled = true;
        }
        inTransaction.executeWithoutResult(status -> finishIfDone(item.migrationId()));
        return Boolean.TRUE.equals(settled);
    }

    private void settle(Claimed item, String status, String detail) {
        jdbc.update("UPDATE sagaflow.saga_migration_item SET status = ?, detail = ?, updated_at = ? "
                + "WHERE migration_id = ? AND saga_id = ? AND status = 'PENDING'", status, bounded(detail),
                Timestamp.from(clock.instant()), item.migrationId(), item.sagaId());
    }

    private void finishIfDone(String migrationId) {
        jdbc.update("""
                UPDATE sagaflow.saga_migration SET status = 'DONE', finished_at = ?
                WHERE migration_id = ? AND status = 'RUNNING' AND NOT EXISTS (
                    SELECT 1 FROM sagaflow.saga_migration_item WHERE migration_id = ? AND status = 'PENDING')
                """, Timestamp.from(clock.instant()), migrationId, migrationId);
    }

    /**
     * Moves one saga in the caller's transaction: its step records locked first (a reply waits for
     * this transaction, or this one for the reply's), the check repeated, then Camunda's migration,
     * the step records and the registry.
     *
     * @return what moved, for the item and the audit record
     * @throws ConflictException if the saga may not move (any more)
     */
    private String move(Plan plan, String sagaId) {
        jdbc.queryForList("SELECT command_id FROM sagaflow.saga_step WHERE saga_id = ? FOR UPDATE", String.class,
                sagaId);
        SagaVerdict verdict = verdict(plan, sagaId, false);
        if (!verdict.movable()) {
            throw new ConflictException(String.join("; ", verdict.blockers()));
        }
        runtime.newMigration(plan.camunda()).processInstanceIds(sagaId).execute();
        // Record by record from what they were before, so that swapped activities (A to B, B to A) swap.
        Map<String, Integer> moves = new LinkedHashMap<>();
        for (Map<String, Object> step : jdbc.queryForList("SELECT command_id, activity_id FROM sagaflow.saga_step "
                + "WHERE saga_id = ?", sagaId)) {
            String from = (String) step.get("activity_id");
            String to = plan.instructions().get(from);
            if (to != null && !to.equals(from)) {
                jdbc.update("UPDATE sagaflow.saga_step SET activity_id = ? WHERE command_id = ?", to,
                        step.get("command_id"));
                moves.merge(from + " -> " + to, 1, Integer::sum);
            }
        }
        List<String> moved = new ArrayList<>();
        moves.forEach((move, records) -> moved.add(move + " (" + records + " step records)"));
        followExecutions(sagaId);
        jdbc.update("UPDATE sagaflow.saga SET definition_id = ?, definition_version = ? WHERE saga_id = ?",
                plan.target().getId(), plan.target().getVersion(), sagaId);
        return "moved to version " + plan.target().getVersion() + (moved.isEmpty() ? "" : "; " + String.join(", ", moved));
    }

    /**
     * A waiting step's record names the execution its reply signals. Camunda keeps an activity
     * instance's execution where the scopes stay the same; where the target nests it differently the
     * execution is new, and the record follows it.
     */
    private void followExecutions(String sagaId) {
        List<Map<String, Object>> open = jdbc.queryForList("SELECT command_id, execution_id, activity_id "
                + "FROM sagaflow.saga_step WHERE saga_id = ? AND status IN ('QUEUED', 'WAITING', 'OVERDUE')", sagaId);
        for (Map<String, Object> step : open) {
            String executionId = (String) step.get("execution_id");
            String activityId = (String) step.get("activity_id");
            Execution same = runtime.createExecutionQuery().executionId(executionId).activityId(activityId)
                    .singleResult();
            if (same != null) {
                continue;
            }
            List<Execution> there = runtime.createExecutionQuery().processInstanceId(sagaId).activityId(activityId)
                    .list();
            if (there.size() != 1) {
                throw new ConflictException("after the migration, " + there.size() + " executions wait in "
                        + activityId + ": the reply to command " + step.get("command_id") + " could not find its own");
            }
            jdbc.update("UPDATE sagaflow.saga_step SET execution_id = ? WHERE command_id = ?", there.get(0).getId(),
                    step.get("command_id"));
        }
    }

    // ---- the check --------------------------------------------------------------------------

    private SagaVerdict verdict(Plan plan, String sagaId, boolean tryCamunda) {
        List<String> blockers = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        List<WaitingStep> waiting = new ArrayList<>();
        List<String> completed = new ArrayList<>();
        ProcessInstance instance = runtime.createProcessInstanceQuery().processInstanceId(sagaId).singleResult();
        if (instance == null) {
            return new SagaVerdict(sagaId, null, false, List.of("the saga has ended"), notes, waiting, completed);
        }
        if (!plan.source().getId().equals(instance.getProcessDefinitionId())) {
            blockers.add("runs on " + instance.getProcessDefinitionId() + ", not on the source "
                    + plan.source().getId());
        }
        List<Map<String, Object>> steps = jdbc.queryForList("SELECT command_id, activity_id, step, op, command, "
                + "status, deadline_at, compensable FROM sagaflow.saga_step WHERE saga_id = ? ORDER BY sent_at, command_id",
                sagaId);
        Set<String> compensatedSteps = new LinkedHashSet<>();
        for (Map<String, Object> step : steps) {
            if (Operation.COMPENSATION.name().equals(step.get("op"))) {
                compensatedSteps.add((String) step.get("step"));
            }
        }
        int openActions = 0;
        for (Map<String, Object> step : steps) {
            String activityId = (String) step.get("activity_id");
            String status = (String) step.get("status");
            boolean open = List.of("QUEUED", "WAITING", "OVERDUE").contains(status);
            boolean compensation = Operation.COMPENSATION.name().equals(step.get("op"));
            String command = (String) step.get("command");
            if (open && compensation) {
                blockers.add("compensating (" + command + " of " + step.get("step") + " " + status
                        + "): it finishes on its version");
            } else if (open) {
                openActions++;
                String target = plan.instructions().get(activityId);
                boolean unpublished = Long.valueOf(1).equals(jdbc.queryForObject("SELECT COUNT(*) FROM "
                        + "sagaflow.outbox_message WHERE message_id = ? AND status = 'PENDING'", Long.class,
                        step.get("command_id")));
                waiting.add(new WaitingStep(activityId, target, command, status, instant(step.get("deadline_at")),
                        unpublished));
                if (SagaModel.SUB_SAGA_START_COMMAND.equals(command)) {
                    blockers.add("a sub-saga runs for step " + activityId + ": the saga finishes on its version");
                } else if (target == null) {
                    blockers.add("waiting step " + activityId + " has no mapping in version "
                            + plan.target().getVersion());
                } else {
                    String targetCommand = commandOf(plan.targetActivity(target));
                    if (!command.equals(targetCommand)) {
                        blockers.add("waiting step " + activityId + " has " + command + " in flight; its target "
                                + target + " sends " + targetCommand + ": the reply would answer another command");
                    } else if (unpublished) {
                        notes.add(command + " of " + activityId + " is not published yet: it will be, and its reply "
                                + "correlates with " + target);
                    }
                }
            } else if (!compensation && Boolean.TRUE.equals(step.get("compensable"))
                    && List.of("SUCCEEDED", "TIMED_OUT", "CANCELLED").contains(status)
                    && !compensatedSteps.contains((String) step.get("step"))) {
                completed.add(activityId);
                checkCompensation(plan, activityId, blockers);
            }
        }
        if (openActions > 1) {
            notes.add(openActions + " branches wait for replies; each is checked");
        }
        if (blockers.isEmpty() && tryCamunda) {
            camundasVerdict(plan, sagaId).ifPresent(blockers::add);
        }
        return new SagaVerdict(sagaId, instance.getBusinessKey(), blockers.isEmpty(), blockers, notes, waiting,
                completed);
    }

    /** A completed step's compensation must stay what it is: mapped, with a handler sending the same command. */
    private static void checkCompensation(Plan plan, String activityId, List<String> blockers) {
        ActivityImpl source = plan.sourceActivity(activityId);
        ActivityImpl sourceHandler = source == null ? null : source.findCompensationHandler();
        if (sourceHandler == null) {
            return; // nothing to lose
        }
        String target = plan.instructions().get(activityId);
        if (target == null) {
            blockers.add("completed step " + activityId + " has no mapping: its compensation ("
                    + commandOf(sourceHandler) + ") would be dropped");
            return;
        }
        // Camunda moves a completed step's compensation with the mapping of its compensation boundary event.
        ActivityImpl boundary = source.getProperties().get(BpmnProperties.COMPENSATION_BOUNDARY_EVENT);
        if (boundary != null && plan.instructions().get(boundary.getId()) == null) {
            blockers.add("completed step " + activityId + ": its compensation event " + boundary.getId()
                    + " has no mapping, so Camunda would drop its compensation (" + commandOf(sourceHandler) + ")");
            return;
        }
        ActivityImpl targetHandler = plan.targetActivity(target) == null ? null
                : plan.targetActivity(target).findCompensationHandler();
        if (targetHandler == null) {
            blockers.add("completed step " + activityId + ": " + target + " in version " + plan.target().getVersion()
                    + " has no compensation; " + commandOf(sourceHandler) + " would never be sent");
        } else if (!Objects.equals(commandOf(sourceHandler), commandOf(targetHandler))) {
            blockers.add("completed step " + activityId + ": its compensation changes from "
                    + commandOf(sourceHandler) + " to " + commandOf(targetHandler));
        }
    }

    /** Camunda's own instance checks: the migration run in a transaction that is rolled back. */
    private java.util.Optional<String> camundasVerdict(Plan plan, String sagaId) {
        try {
            inRolledBackTransaction.executeWithoutResult(status -> {
                status.setRollbackOnly();
                runtime.newMigration(plan.camunda()).processInstanceIds(sagaId).execute();
            });
            return java.util.Optional.empty();
        } catch (ProcessEngineException refused) {
            return java.util.Optional.of("Camunda refuses: " + refused.getMessage());
        }
    }

    private static String commandOf(ActivityImpl activity) {
        if (activity == null) {
            return null;
        }
        Object subSaga = activity.getProperty(SagaStepInputs.SUB_SAGA_PROPERTY);
        if (subSaga != null) {
            return SagaModel.SUB_SAGA_START_COMMAND;
        }
        return SagaStepInputs.isSagaStep(activity) ? SagaStepInputs.declared(activity, SagaModel.INPUT_COMMAND) : null;
    }

    // ---- the plan -----------------------------------------------------------------------------

    /** Source and target definitions, Camunda's plan and its instructions (source activity to target activity). */
    private record Plan(ProcessDefinitionEntity source, ProcessDefinitionEntity target, MigrationPlan camunda,
                        Map<String, String> instructions, Map<String, String> explicitMapping) {

        ActivityImpl sourceActivity(String id) {
            return source.findActivity(id);
        }

        ActivityImpl targetActivity(String id) {
            return target.findActivity(id);
        }
    }

    private Plan plan(Request request) {
        if (request.processKey() == null || request.processKey().isBlank()) {
            throw new InvalidInputException("processKey", "is required: the saga whose running sagas move");
        }
        if (request.sourceVersion() == null) {
            throw new InvalidInputException("sourceVersion", "is required: the version the sagas run on now");
        }
        ProcessDefinition source = repository.createProcessDefinitionQuery().processDefinitionKey(request.processKey())
                .processDefinitionVersion(request.sourceVersion()).singleResult();
        if (source == null) {
            throw new InvalidInputException("sourceVersion", "version " + request.sourceVersion() + " of "
                    + request.processKey() + " is not deployed");
        }
        String targetVersion = request.targetVersion() == null || request.targetVersion().isBlank() ? "latest"
                : request.targetVersion().trim();
        ProcessDefinition target;
        if ("latest".equals(targetVersion)) {
            target = repository.createProcessDefinitionQuery().processDefinitionKey(request.processKey())
                    .latestVersion().singleResult();
        } else {
            try {
                target = repository.createProcessDefinitionQuery().processDefinitionKey(request.processKey())
                        .processDefinitionVersion(Integer.parseInt(targetVersion)).singleResult();
            } catch (NumberFormatException e) {
                throw new InvalidInputException("targetVersion", "is \"" + targetVersion
                        + "\"; a version number or \"latest\"");
            }
        }
        if (target == null) {
            throw new InvalidInputException("targetVersion", "version " + targetVersion + " of "
                    + request.processKey() + " is not deployed");
        }
        if (target.getId().equals(source.getId())) {
            throw new InvalidInputException("targetVersion", "is the source version " + source.getVersion());
        }
        return plan(source.getId(), target.getId(), request.mapping() == null ? Map.of() : request.mapping());
    }

    private Plan plan(String sourceId, String targetId, Map<String, String> mapping) {
        ProcessDefinitionEntity source = definition(sourceId);
        ProcessDefinitionEntity target = definition(targetId);
        MigrationPlan camunda;
        try {
            // Camunda's equal-id mapping (the activity types it can move), plus the caller's renames.
            // Timers keep their due dates: a deadline keeps the time it had.
            MigrationPlanBuilder builder = runtime.createMigrationPlan(sourceId, targetId).mapEqualActivities();
            for (Map.Entry<String, String> rename : mapping.entrySet()) {
                if (source.findActivity(rename.getKey()) == null) {
                    throw new InvalidInputException("mapping", "version " + source.getVersion() + " has no activity "
                            + rename.getKey());
                }
                builder = builder.mapActivities(rename.getKey(), rename.getValue());
            }
            camunda = builder.build();
        } catch (ProcessEngineException invalid) { // MigrationPlanValidationException among them
            throw new InvalidInputException("mapping", invalid.getMessage());
        }
        Map<String, String> byActivity = new LinkedHashMap<>();
        for (MigrationInstruction instruction : camunda.getInstructions()) {
            byActivity.put(instruction.getSourceActivityId(), instruction.getTargetActivityId());
        }
        return new Plan(source, target, camunda, byActivity, mapping);
    }

    private ProcessDefinitionEntity definition(String id) {
        return (ProcessDefinitionEntity) ((RepositoryServiceImpl) repository).getDeployedProcessDefinition(id);
    }

    /** Running sagas of the source version the request selects (all, by status, by ids). */
    private List<String> candidates(Plan plan, Request request) {
        StringBuilder sql = new StringBuilder("SELECT saga_id FROM sagaflow.saga WHERE process_key = ? "
                + "AND definition_id = ? AND ended_at IS NULL");
        List<Object> arguments = new ArrayList<>(List.of(plan.source().getKey(), plan.source().getId()));
        if (request.status() != null && !request.status().isBlank()) {
            if (!List.of("RUNNING", "FAILED").contains(request.status())) {
                throw new InvalidInputException("status", "is \"" + request.status()
                        + "\"; RUNNING or FAILED (a saga that ended does not move)");
            }
            sql.append(" AND status = ?");
            arguments.add(request.status());
        }
        List<String> found = jdbc.queryForList(sql.append(" ORDER BY started_at, saga_id").toString(), String.class,
                arguments.toArray());
        if (request.sagaIds() == null || request.sagaIds().isEmpty()) {
            return found;
        }
        Set<String> wanted = new LinkedHashSet<>(request.sagaIds());
        List<String> selected = found.stream().filter(wanted::contains).toList();
        // Asked for by id but not a running saga of the source: reported, never silently dropped.
        List<String> others = wanted.stream().filter(id -> !selected.contains(id)).toList();
        List<String> all = new ArrayList<>(selected);
        all.addAll(others);
        return all;
    }

    private static Report report(Plan plan, List<SagaVerdict> verdicts) {
        int movable = (int) verdicts.stream().filter(SagaVerdict::movable).count();
        return new Report(plan.source().getKey(), plan.source().getVersion(), plan.target().getVersion(),
                plan.instructions(), movable, verdicts.size() - movable, verdicts);
    }

    private String toJson(Map<String, String> mapping) {
        try {
            return json.writeValueAsString(mapping);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private Map<String, String> fromJson(String mapping) {
        try {
            return json.readValue(mapping, new TypeReference<LinkedHashMap<String, String>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable mapping of a saga migration: " + mapping, e);
        }
    }

    private static Instant instant(Object value) {
        if (value instanceof Timestamp timestamp) {
            return timestamp.toInstant();
        }
        if (value instanceof java.time.OffsetDateTime offset) {
            return offset.toInstant();
        }
        return null;
    }

    private static String bounded(String text) {
        return text == null || text.length() <= 4000 ? text : text.substring(0, 4000);
    }

    public static String newId() {
        return UUID.randomUUID().toString();
    }
}
