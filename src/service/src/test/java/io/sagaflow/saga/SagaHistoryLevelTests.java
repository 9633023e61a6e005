package io.sagaflow.saga;

import static org.assertj.core.api.Assertions.assertThat;

import org.camunda.bpm.engine.impl.history.event.HistoryEventTypes;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("History level saga")
class SagaHistoryLevelTests {

    private final SagaHistoryLevel lean = new SagaHistoryLevel(false);
    private final SagaHistoryLevel withActivities = new SagaHistoryLevel(true);

    @Test
    @DisplayName("records process instances, incidents, the job log and the user operation log")
    void keepsWhatOperatorsRead() {
        for (HistoryEventTypes kept : new HistoryEventTypes[] {HistoryEventTypes.PROCESS_INSTANCE_START,
                HistoryEventTypes.PROCESS_INSTANCE_END, HistoryEventTypes.PROCESS_INSTANCE_MIGRATE,
                HistoryEventTypes.INCIDENT_CREATE, HistoryEventTypes.INCIDENT_RESOLVE, HistoryEventTypes.JOB_FAIL,
                HistoryEventTypes.USER_OPERATION_LOG}) {
            assertThat(lean.isHistoryEventProduced(kept, null)).as(kept.getEventName()).isTrue();
            assertThat(withActivities.isHistoryEventProduced(kept, null)).as(kept.getEventName()).isTrue();
        }
    }

    @Test
    @DisplayName("leaves activity instances and variables to the saga tables unless asked for them")
    void activitiesAndVariablesOnlyWhenAsked() {
        for (HistoryEventTypes inSagaTables : new HistoryEventTypes[] {HistoryEventTypes.ACTIVITY_INSTANCE_START,
                HistoryEventTypes.ACTIVITY_INSTANCE_END, HistoryEventTypes.VARIABLE_INSTANCE_CREATE,
                HistoryEventTypes.VARIABLE_INSTANCE_DELETE}) {
            assertThat(lean.isHistoryEventProduced(inSagaTables, null)).as(inSagaTables.getEventName()).isFalse();
            assertThat(withActivities.isHistoryEventProduced(inSagaTables, null)).as(inSagaTables.getEventName())
                    .isTrue();
        }
        assertThat(withActivities.isHistoryEventProduced(HistoryEventTypes.VARIABLE_INSTANCE_UPDATE_DETAIL, null))
                .as("a detail row per variable write, never").isFalse();
    }
}
