package io.sagaflow.saga;

import org.camunda.bpm.engine.impl.history.AbstractHistoryLevel;
import org.camunda.bpm.engine.impl.history.event.HistoryEventType;
import org.camunda.bpm.engine.impl.history.event.HistoryEventTypes;

/**
 * Camunda history level {@code saga} ({@code camunda.bpm.history-level: saga}, the default): everything
 * {@code full} records except a detail row for every write of a variable ({@code ACT_HI_DETAIL}).
 *
 * <p>What a saga was started with stays in {@code ACT_HI_VARINST} (last value of each variable), and
 * activity instances, incidents, the job log and the user operation log stay as in {@code full}:
 * they are what {@code GET /api/sagas/{id}}, Cockpit, the saga metrics and the benchmark read. The
 * detail rows were one insert per variable per saga that nothing reads (docs/performance.md).
 */
final class SagaHistoryLevel extends AbstractHistoryLevel {

    static final String NAME = "saga";
    /** Camunda's own levels are 0 to 3; a custom level needs an id of its own. */
    static final int ID = 30;

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
        return eventType != HistoryEventTypes.VARIABLE_INSTANCE_UPDATE_DETAIL
                && eventType != HistoryEventTypes.FORM_PROPERTY_UPDATE;
    }
}
