package io.sagaflow.saga;

import java.util.List;

import io.sagaflow.audit.Audit;
import io.sagaflow.roles.ConditionalOnOrchestratorRole;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Pause and resume a participant (operators only, audited): while paused, its commands wait in the
 * outbox and the deadlines of the steps waiting on it stand still ({@link ParticipantPauses}).
 */
@RestController
@RequestMapping("/api/participants/pauses")
@ConditionalOnOrchestratorRole
class ParticipantPauseController {

    /**
     * @param commandPrefix the start of the participant's command names, e.g. {@code payment.}
     * @param reason why, for the audit trail and the dashboard
     */
    record PauseRequest(@NotBlank @Size(max = 200) String commandPrefix, @Size(max = 500) String reason) {
    }

    private final ParticipantPauses pauses;
    private final Audit audit;

    ParticipantPauseController(ParticipantPauses pauses, Audit audit) {
        this.pauses = pauses;
        this.audit = audit;
    }

    /** The paused participants, with how many commands and steps wait on each. */
    @GetMapping
    List<ParticipantPauses.Pause> pauses() {
        return pauses.list();
    }

    /** 201 with the pause; 200 if it was paused already (nothing changes, the call is still audited). */
    @PostMapping
    ResponseEntity<ParticipantPauses.Pause> pause(@Valid @RequestBody PauseRequest request) {
        Audit.Actor actor = Audit.Actor.ofApiCaller();
        ParticipantPauses.Paused paused = audit.perform(actor, new Audit.Request("participant.pause", null,
                        "commands " + request.commandPrefix() + "*", reasonOf(request)),
                () -> Audit.Done.of(pauses.pause(request.commandPrefix(), actor.name() + " (" + actor.via() + ")",
                        reasonOf(request), false)));
        return ResponseEntity.status(paused.alreadyPaused() ? HttpStatus.OK : HttpStatus.CREATED).body(paused.pause());
    }

    /** Publishes the held commands in order and lets the deadlines run again; 404 if it is not paused. */
    @PostMapping("/resume")
    ParticipantPauses.Resumed resume(@Valid @RequestBody PauseRequest request) {
        Audit.Actor actor = Audit.Actor.ofApiCaller();
        return audit.perform(actor, new Audit.Request("participant.resume", null,
                        "commands " + request.commandPrefix() + "*", reasonOf(request)),
                () -> Audit.Done.of(pauses.resume(request.commandPrefix(), actor.name() + " (" + actor.via() + ")")));
    }

    private static String reasonOf(PauseRequest request) {
        return request.reason() == null || request.reason().isBlank() ? null : request.reason().trim();
    }
}
