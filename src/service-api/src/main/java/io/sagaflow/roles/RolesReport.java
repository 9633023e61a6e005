package io.sagaflow.roles;

import java.util.List;

import io.sagaflow.participant.Participant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * One log line at startup saying what this instance does, so an operator reading a container's log
 * sees its role without reading its environment.
 */
@Component
class RolesReport {

    private static final Logger log = LoggerFactory.getLogger(RolesReport.class);

    private final RolesProperties roles;
    private final ObjectProvider<Participant> participants;

    RolesReport(RolesProperties roles, ObjectProvider<Participant> participants) {
        this.roles = roles;
        this.participants = participants;
    }

    @EventListener(ApplicationReadyEvent.class)
    void report() {
        boolean orchestrator = roles.isOrchestrator();
        List<String> hosted = participants.orderedStream().map(Participant::name).toList();
        log.info("Roles of this instance: orchestrator={}, participants={}", orchestrator ? "on" : "off",
                hosted.isEmpty() ? "none" : hosted);
    }
}
