package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.Map;

import io.sagaflow.testing.ApiSupport.Saga;
import io.sagaflow.testing.ApiSupport.StartedSaga;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.IntegrationTest;

/**
 * What the cheaper saga path (docs/performance.md, "Halving a saga's CPU") keeps and what it drops:
 * history level {@code saga}, removal time from the start, {@code ${sagaStep}} bound to its bean.
 */
@IntegrationTest
@DisplayName("The saga engine's configuration for cost")
class SagaEngineCostIntegrationTests {

    private static final String PROCESS = "order-fulfillment";
    /** historyTimeToLive of the shipped BPMN. */
    private static final Duration TIME_TO_LIVE = Duration.ofDays(30);

    private final ApiSupport api;
    private final JdbcTemplate jdbc;

    SagaEngineCostIntegrationTests(ApiSupport api, JdbcTemplate jdbc) {
        this.api = api;
        this.jdbc = jdbc;
    }

    @Test
    @DisplayName("an ended saga keeps its variables and activities in Camunda's history, but no detail row per variable write")
    void historyKeepsVariablesAndActivitiesWithoutDetails() {
        Map<String, Object> variables = ApiSupport.orderVariables(api.freshSku(10), "5.00", "DE");
        Saga saga = api.awaitFinished(api.startSaga(PROCESS, variables).sagaId());

        assertThat(saga.status()).isEqualTo("COMPLETED");
        assertThat(count("SELECT COUNT(*) FROM ACT_HI_VARINST WHERE PROC_INST_ID_ = ?", saga.sagaId()))
                .as("variables of the ended saga").isGreaterThanOrEqualTo(variables.size());
        assertThat(jdbc.queryForObject("SELECT TEXT_ FROM ACT_HI_VARINST WHERE PROC_INST_ID_ = ? AND NAME_ = 'customerId'",
                String.class, saga.sagaId())).isEqualTo(variables.get("customerId"));
        assertThat(count("SELECT COUNT(*) FROM ACT_HI_ACTINST WHERE PROC_INST_ID_ = ? AND ACT_TYPE_ = 'serviceTask'",
                saga.sagaId())).as("its three steps").isEqualTo(3);
        assertThat(count("SELECT COUNT(*) FROM ACT_HI_DETAIL WHERE PROC_INST_ID_ = ?", saga.sagaId()))
                .as("detail rows (history level full writes one per variable write)").isZero();
    }

    @Test
    @DisplayName("the removal time of a saga's history is its start plus the time to live, set on every row when written")
    void removalTimeIsComputedAtTheStart() {
        Saga saga = api.awaitFinished(api.startSaga(PROCESS,
                ApiSupport.orderVariables(api.freshSku(10), "5.00", "DE")).sagaId());

        Map<String, Object> instance = jdbc.queryForMap(
                "SELECT START_TIME_, END_TIME_, REMOVAL_TIME_ FROM ACT_HI_PROCINST WHERE PROC_INST_ID_ = ?", saga.sagaId());
        Timestamp start = (Timestamp) instance.get("START_TIME_");
        Timestamp end = (Timestamp) instance.get("END_TIME_");
        assertThat(end).as("the saga's end").isAfter(start); // else start and end strategies look alike
        assertThat(((Timestamp) instance.get("REMOVAL_TIME_")).toInstant()).isEqualTo(start.toInstant().plus(TIME_TO_LIVE));
        assertThat(count("SELECT COUNT(*) FROM ACT_HI_ACTINST WHERE PROC_INST_ID_ = ? AND (REMOVAL_TIME_ IS NULL "
                + "OR REMOVAL_TIME_ <> ?)", saga.sagaId(), instance.get("REMOVAL_TIME_")))
                .as("activity instances without the saga's removal time").isZero();
    }

    @Test
    @DisplayName("a process variable named sagaStep does not replace the step behaviour")
    void aVariableCalledSagaStepDoesNotShadowTheStep() {
        Map<String, Object> variables = ApiSupport.orderVariables(api.freshSku(10), "5.00", "DE");
        variables.put("sagaStep", "not a step");

        StartedSaga started = api.startSaga(PROCESS, variables);

        Saga saga = api.awaitFinished(started.sagaId());
        assertThat(saga.status()).isEqualTo("COMPLETED");
        assertThat(saga.completedSteps()).containsExactly("Task_ReserveStock", "Task_ChargePayment", "Task_ScheduleShipment");
    }

    private long count(String sql, Object... arguments) {
        Long count = jdbc.queryForObject(sql, Long.class, arguments);
        return count == null ? 0 : count;
    }
}
