package io.sagaflow.saga;

import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.start.SagaStatus;
import org.springframework.stereotype.Component;

/**
 * Saga counters per process: {@code sagaflow.sagas.started}, {@code .completed},
 * {@code .compensated}, {@code .failed} (an incident made it wait for an operator, or it was deleted
 * without compensation). Counted by the {@link SagaRegistry} as it records each change, so a change
 * the registry refuses (a second end, a second incident) is not counted twice. Counted before the
 * transaction commits: a start that rolls back has still been counted.
 */
@Component
class SagaMetrics {

    private final MeterRegistry meters;

    SagaMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    void started(String processKey) {
        count("sagaflow.sagas.started", processKey);
    }

    void ended(String processKey, SagaStatus status) {
        switch (status) {
            case COMPLETED -> count("sagaflow.sagas.completed", processKey);
            case COMPENSATED -> count("sagaflow.sagas.compensated", processKey);
            case FAILED -> count("sagaflow.sagas.failed", processKey);
            case RUNNING -> throw new IllegalArgumentException("a saga does not end RUNNING");
        }
    }

    void failed(String processKey) {
        count("sagaflow.sagas.failed", processKey);
    }

    private void count(String name, String processKey) {
        meters.counter(name, "process", processKey == null ? "unknown" : processKey).increment();
    }
}
