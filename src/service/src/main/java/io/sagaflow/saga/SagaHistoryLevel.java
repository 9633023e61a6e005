package io.sagaflow.saga;

import java.util.Set;

import org.camunda.bpm.engine.impl.history.AbstractHistoryLevel;
import org.camunda.bpm.engine.impl.history.event.HistoryEventType;
import org.camunda.bpm.engine.impl.history.event.HistoryEventTypes;

/**
 * Camunda history level {@code saga} ({@code camunda.bpm.history-level: saga}, the default): what
 * {@code full} records except what Sagaflow's own tables already record about every saga.
 *
 * <p>Left out: activity instances ({@code ACT_HI_ACTINST}) and variables ({@code ACT_HI_VARINST},
 * {@code ACT_HI_DETAIL}). Each step is a row of {@code sagaflow.saga_step} (command, payload, when it
 * was sent and answered, outcome and reason) and each saga a row of the saga registry (start, input
 * hash, end, status, reason), kept for {@code sagaflow.retention.sagas}; {@code GET /api/sagas/{id}}
 * and its messages answer from them. Camunda's copies were a sixth of a saga's statements and a third
 * of its write-ahead log (docs/performance.md, "Half the database work per saga").
 *
 * <p>Kept as in {@code full}: process instances (Cockpit's ended sagas, history cleanup), incidents,
 * the job log, the user operation log (who retried, who deleted) and everything else.
 * {@code sagaflow.saga.camunda-activity-history: true} records activity instances and variables too,
 * for a deployment that reads them over engine-rest.
 */
final class SagaHistoryLevel extends AbstractHistoryLevel {

    static final String NAME = "saga";
    /** Camunda's own levels are 0 to 3; a custom level needs an id of its own. */
    static final int ID = 30;

    private static final Set<HistoryEventType> NEVER = Set.of(HistoryEventTypes.VARIABLE_INSTANCE_UPDATE_DETAIL,
            HistoryEventTypes.FORM_PROPERTY_UPDATE);

    /** What the saga tables record already: each step's activity and the saga's variables. */
    private static final Set<HistoryEventType> IN_SAGA_TABLES = Set.of(HistoryEventTypes.ACTIVITY_INSTANCE_START,
            HistoryEventTypes.ACTIVITY_INSTANCE_UPDATE, HistoryEventTypes.ACTIVITY_INSTANCE_END,
            HistoryEventTypes.ACTIVITY_INSTANCE_MIGRATE, HistoryEventTypes.VARIABLE_INSTANCE_CREATE,
            HistoryEventTypes.VARIABLE_INSTANCE_UPDATE, HistoryEventTypes.VARIABLE_INSTANCE_DELETE,
            HistoryEventTypes.VARIABLE_INSTANCE_MIGRATE);

    private final boolean activitiesAndVariables;

    SagaHistoryLevel(boolean activitiesAndVariables) {
        this.activitiesAndVariables = activitiesAndVariables;
    }

    @Override
    public int getId() {
        return ID;
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public boolean isHistoryEventProduced(HistoryEventType eventType, Object entity) {
        return !NEVER.contains(eventType) && (activitiesAndVariables || !IN_SAGA_TABLES.contains(eventType));
    }
}
