package io.sagaflow.roles;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What this instance runs (docs/deployment.md). The conditions ({@link ConditionalOnOrchestratorRole},
 * {@link ConditionalOnParticipantRole}) read the same properties while beans are being defined; this
 * record is for beans that only need to know.
 *
 * @param orchestrator the orchestrator role: saga starts, replies, Camunda's job executor
 * @param participants the example participants hosted here: {@code all}, {@code none} or their names
 */
@ConfigurationProperties("sagaflow.roles")
public record RolesProperties(@DefaultValue Orchestrator orchestrator, @DefaultValue("all") List<String> participants) {

    /** @param enabled whether this instance is an orchestrator */
    public record Orchestrator(@DefaultValue("true") boolean enabled) {
    }

    public boolean isOrchestrator() {
        return orchestrator.enabled();
    }
}
