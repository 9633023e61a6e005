package io.sagaflow.saga;

import java.net.URI;
import java.util.List;
import java.util.Map;

import io.sagaflow.audit.Audit;
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
 * Saga-aware migration of running sagas to another version of their definition (operators only).
 * A dry run reports per saga whether it can move and why not; a run moves those that can, leaves the
 * others alone, and reports its progress at {@code GET /api/sagas/migrations/{id}}.
 */
@RestController
@RequestMapping("/api/sagas/migrations")
class SagaMigrationController {

    /**
     * @param targetVersion a version number or {@code latest} (the default)
     * @param mapping source activity id to target activity id, for activities the target renamed;
     *     activities with the same id in both map to each other
     * @param sagaIds only these sagas (default: every running saga of the source version)
     * @param status only sagas in this status: {@code RUNNING} or {@code FAILED} (in an incident)
     * @param dryRun only report; move nothing
     */
    record MigrationRequest(String processKey, Integer sourceVersion, String targetVersion,
                            Map<String, String> mapping, List<String> sagaIds, String status,
                            @Size(max = 500) String reason, boolean dryRun) {
    }

    /** A started migration: where to follow it, and the check it started from. */
    record StartedMigration(String migrationId, SagaMigrations.Report report) {
    }

    private final SagaMigrations migrations;
    private final Audit audit;

    SagaMigrationController(SagaMigrations migrations, Audit audit) {
        this.migrations = migrations;
        this.audit = audit;
    }

    /** 200 with the report for a dry run; 202 with the migration's id and Location for a run. */
    @PostMapping
    ResponseEntity<?> migrate(@RequestBody MigrationRequest body) {
        SagaMigrations.Request request = new SagaMigrations.Request(body.processKey(), body.sourceVersion(),
                body.targetVersion(), body.mapping(), body.sagaIds(), body.status(), body.reason());
        if (body.dryRun()) {
            return ResponseEntity.ok(migrations.dryRun(request));
        }
        String migrationId = SagaMigrations.newId();
        Audit.Actor actor = Audit.Actor.ofApiCaller();
        SagaMigrations.Report report = audit.perform(actor, new Audit.Request("saga.migration", null,
                "migration " + migrationId + " of " + body.processKey() + " version " + body.sourceVersion() + " to "
                        + (body.targetVersion() == null ? "latest" : body.targetVersion()) + " mapping "
                        + (body.mapping() == null ? Map.of() : body.mapping()),
                body.reason() == null || body.reason().isBlank() ? "no reason given" : body.reason()),
                () -> Audit.Done.of(migrations.start(request, actor, migrationId)));
        return ResponseEntity.status(HttpStatus.ACCEPTED).location(URI.create("/api/sagas/migrations/" + migrationId))
                .body(new StartedMigration(migrationId, report));
    }

    /** A migration's progress, with the result of every saga it considered. */
    @GetMapping("/{migrationId}")
    SagaMigrations.Progress progress(@PathVariable String migrationId) {
        return migrations.progress(migrationId);
    }
}
