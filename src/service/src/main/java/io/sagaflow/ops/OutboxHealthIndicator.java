package io.sagaflow.ops;

import java.time.Duration;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.messaging.ParkedMessages;
import io.sagaflow.outbox.OutboxAdmin;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Health of message delivery: DOWN when the oldest PENDING outbox row waits longer than
 * {@code sagaflow.ops.outbox-max-pending-age} (the broker is unreachable or the relay stuck). Rows
 * held for a paused participant wait for an operator, not the relay: a detail, not DOWN. FAILED
 * rows and parked messages need an operator but do not stop new sagas: they are reported as details
 * and as gauges.
 */
@Component
class OutboxHealthIndicator implements HealthIndicator {

    private final OutboxAdmin outbox;
    private final ParkedMessages parked;
    private final Duration maxPendingAge;

    OutboxHealthIndicator(OutboxAdmin outbox, ParkedMessages parked, MeterRegistry meters, OpsProperties ops) {
        this.outbox = outbox;
        this.parked = parked;
        this.maxPendingAge = ops.outboxMaxPendingAge();
        Gauge.builder("sagaflow.outbox.pending", () -> outbox.backlog().pending())
                .description("Outbox rows waiting to be published").register(meters);
        Gauge.builder("sagaflow.outbox.held", () -> outbox.backlog().held())
                .description("Outbox rows held for a paused participant").register(meters);
        Gauge.builder("sagaflow.outbox.failed.rows", () -> outbox.backlog().failed())
                .description("Outbox rows the relay gave up on (re-queue them)").register(meters);
        Gauge.builder("sagaflow.messages.parked.current", parked::count)
                .description("Parked inbound messages waiting for an operator").register(meters);
    }

    @Override
    public Health health() {
        OutboxAdmin.Backlog backlog = outbox.backlog();
        Health.Builder health = backlog.oldestPendingAge().compareTo(maxPendingAge) > 0 ? Health.down() : Health.up();
        return health
                .withDetail("pending", backlog.pending())
                .withDetail("oldestPendingAge", backlog.oldestPendingAge().toString())
                .withDetail("maxPendingAge", maxPendingAge.toString())
                .withDetail("failed", backlog.failed())
                .withDetail("heldForPausedParticipants", backlog.held())
                .withDetail("parkedMessages", parked.count())
                .build();
    }
}
