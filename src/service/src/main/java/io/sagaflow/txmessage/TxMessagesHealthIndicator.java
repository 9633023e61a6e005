package io.sagaflow.txmessage;

import java.time.Clock;
import java.time.Duration;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.stereotype.Component;

/**
 * Transactional messages in health ({@code components.txMessages}) and as gauges. PARKED messages
 * need an operator but do not stop new ones, so they are details (and the gauge
 * {@code sagaflow.tx-messages.parked}), not DOWN, like FAILED outbox rows.
 */
@Component("txMessagesHealthIndicator")
class TxMessagesHealthIndicator implements HealthIndicator {

    private final TxMessageStore store;
    private final Clock clock;

    TxMessagesHealthIndicator(TxMessageStore store, Clock clock, MeterRegistry meters) {
        this.store = store;
        this.clock = clock;
        Gauge.builder("sagaflow.tx-messages.parked", () -> store.count(TxMessageState.PARKED))
                .description("Transactional messages parked after their check-backs; an operator resolves them")
                .register(meters);
        Gauge.builder("sagaflow.tx-messages.half", () -> store.count(TxMessageState.HALF))
                .description("Transactional messages waiting for their producer's decision")
                .register(meters);
    }

    @Override
    public Health health() {
        Duration oldestHalfAge = store.oldestHalfCreatedAt()
                .map(createdAt -> Duration.between(createdAt, clock.instant()))
                .orElse(Duration.ZERO);
        return Health.up()
                .withDetail("half", store.count(TxMessageState.HALF))
                .withDetail("oldestHalfAge", oldestHalfAge.toString())
                .withDetail("parked", store.count(TxMessageState.PARKED))
                .build();
    }
}
