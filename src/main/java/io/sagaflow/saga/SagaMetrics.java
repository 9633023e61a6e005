package io.sagaflow.saga;

import io.micrometer.core.instrument.MeterRegistry;
import org.camunda.bpm.engine.impl.history.event.HistoricIncidentEventEntity;
import org.camunda.bpm.engine.impl.history.event.HistoricProcessInstanceEventEntity;
import org.camunda.bpm.engine.impl.history.event.HistoryEvent;
import org.camunda.bpm.engine.impl.history.event.HistoryEventTypes;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Saga counters per process: {@code sagaflow.sagas.started}, {@code .completed},
 * {@code .compensated}, {@code .failed} (an incident was raised). Fed by the engine's history
 * events, which the Camunda starter publishes as Spring events inside the engine's transaction.
 */
@Component
class SagaMetrics {

    private final MeterRegistry meters;
    private final JdbcTemplate jdbc;

    SagaMetrics(MeterRegistry meters, JdbcTemplate jdbc) {
        this.meters = meters;
        this.jdbc = jdbc;
    }

    @EventListener
    void onHistoryEvent(HistoryEvent event) {
        if (event instanceof HistoricProcessInstanceEventEntity instance) {
            if (event.isEventOfType(HistoryEventTypes.PROCESS_INSTANCE_START)) {
                count("sagaflow.sagas.started", instance.getProcessDefinitionKey());
            } else if (event.isEventOfType(HistoryEventTypes.PROCESS_INSTANCE_END)) {
                count(compensated(instance.getProcessInstanceId())
                        ? "sagaflow.sagas.compensated" : "sagaflow.sagas.completed", instance.getProcessDefinitionKey());
            }
        } else if (event instanceof HistoricIncidentEventEntity incident
                && event.isEventOfType(HistoryEventTypes.INCIDENT_CREATE)) {
            count("sagaflow.sagas.failed", incident.getProcessDefinitionKey());
        }
    }

    /** Our step log is written in the same transaction, so it already says whether a step was refused. */
    private boolean compensated(String sagaId) {
        Integer undone = jdbc.queryForObject("""
                SELECT COUNT(*) FROM sagaflow.saga_step
                WHERE saga_id = ? AND (op = 'COMPENSATION' OR status IN ('REJECTED', 'TIMED_OUT', 'CANCELLED'))
                """, Integer.class, sagaId);
        return undone != null && undone > 0;
    }

    private void count(String name, String processKey) {
        meters.counter(name, "process", processKey == null ? "unknown" : processKey).increment();
    }
}
