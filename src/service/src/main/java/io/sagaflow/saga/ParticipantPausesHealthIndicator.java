package io.sagaflow.saga;

import java.util.List;
import java.util.Map;

import io.sagaflow.roles.ConditionalOnOrchestratorRole;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * The paused participants as a health detail ({@code /actuator/health/participantPauses}). Always UP:
 * a paused participant is an operator's decision (or the auto-pause's), not a reason to take this
 * instance out of a load balancer; monitoring alerts on {@code sagaflow.participants.paused} instead.
 */
@Component
@ConditionalOnOrchestratorRole
class ParticipantPausesHealthIndicator implements HealthIndicator {

    private final ParticipantPauses pauses;

    ParticipantPausesHealthIndicator(ParticipantPauses pauses) {
        this.pauses = pauses;
    }

    @Override
    public Health health() {
        List<Map<String, Object>> paused = pauses.list().stream().map(pause -> Map.<String, Object>of(
                "commandPrefix", pause.commandPrefix(), "pausedAt", pause.pausedAt().toString(),
                "pausedBy", pause.pausedBy(), "automatic", pause.automatic(), "heldCommands", pause.heldCommands(),
                "waitingSteps", pause.waitingSteps())).toList();
        return Health.up().withDetail("paused", paused).build();
    }
}
