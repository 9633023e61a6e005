package io.sagaflow.saga;

import java.time.Duration;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Saga execution.
 *
 * @param defaultDeadline a step's deadline when its model sets none: every wait has one
 * @param deadlineCheckInterval how often overdue steps are looked for (on every instance; claims
 *     use {@code SKIP LOCKED})
 * @param maxPayloadBytes a step whose mapped payload is larger fails with an incident naming it
 * @param compensationAttempts a compensation without a reply within its deadline is sent again (the
 *     barrier makes that safe) until this many attempts; then it becomes an incident
 * @param deadlineGrace overdue steps are left alone this long after this instance starts, after its
 *     broker connection comes back and after a database error (and while the broker is unreachable):
 *     commands held back and replies queued during the outage get through before their steps'
 *     deadlines are judged, instead of racing them
 */
@Validated
@ConfigurationProperties("sagaflow.saga")
public record SagaProperties(
        @DefaultValue("PT5M") @NotNull Duration defaultDeadline,
        @DefaultValue("PT1S") @NotNull Duration deadlineCheckInterval,
        @DefaultValue("65536") @Min(2) int maxPayloadBytes,
        @DefaultValue("5") @Min(1) int compensationAttempts,
        @DefaultValue("PT20S") @NotNull Duration deadlineGrace) {
}
