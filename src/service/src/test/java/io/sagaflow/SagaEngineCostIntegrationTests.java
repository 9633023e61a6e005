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
 * What the cheaper saga path (docs/performance.md, "Halving a saga's CPU" and "Half the database work
 * per saga") keeps and what it drops: history level {@code saga}, removal time from the start,
 * {@code ${sagaStep}} bound to its bean.
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
    @DisplayName("an ended saga's history is its process instance and the saga tables: no activity, variable or detail rows in Camunda's")
    void historyIsTheProcessInstanceAndTheSagaTables() {
        Map<String, Object> variables = ApiSupport.orderVariables(api.freshSku(10), "5.00", "DE");
        Saga saga = api.awaitFinished(api.startSaga(PROCESS, variables).sagaId());

        assertThat(saga.status()).isEqualTo("COMPLETED");
        assertThat(count("SELECT COUNT(*) FROM ACT_HI_PROCINST WHERE PROC_INST_ID_ = ? AND END_TIME_ IS NOT NULL",
                saga.sagaId())).as("Camunda's ended process instance (Cockpit, history cleanup)").isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM ACT_HI_ACTINST WHERE PROC_INST_ID_ = ?", saga.sagaId()))
                .as("activity instances (each step is a row of saga_step)").isZero();
        assertThat(count("SELECT COUNT(*) FROM ACT_HI_VARINST WHERE PROC_INST_ID_ = ?", saga.sagaId()))
                .as("variables (the steps' payloads are in saga_step)").isZero();
        assertThat(count("SELECT COUNT(*) FROM ACT_HI_DETAIL WHERE PROC_INST_ID_ = ?", saga.sagaId()))
                .as("detail rows (history level full writes one per variable write)").isZero();
        // What the saga tables keep instead: each step sent and answered, with its payload.
        assertThat(count("SELECT COUNT(*) FROM sagaflow.saga_step WHERE saga_id = ? AND op = 'ACTION' AND status = "
                + "'SUCCEEDED' AND replied_at >= sent_at", saga.sagaId())).as("its three steps").isEqualTo(3);
        assertThat(count("SELECT COUNT(*) FROM sagaflow.saga_step WHERE saga_id = ? AND payload LIKE ?", saga.sagaId(),
                "%" + variables.get("customerId") + "%")).as("the payment's payload names the customer").isEqualTo(1);
        assertThat(count("SELECT COUNT(*) FROM sagaflow.saga WHERE saga_id = ? AND status = 'COMPLETED' AND ended_at "
                + "IS NOT NULL", saga.sagaId())).as("the registry's row").isEqualTo(1);
    }

    @Test
    @DisplayName("the removal time of a saga's history is its start plus the time to live, set when written")
    void removalTimeIsComputedAtTheStart() {
        Saga saga = api.awaitFinished(api.startSaga(PROCESS,
                ApiSupport.orderVariables(api.freshSku(10), "5.00", "DE")).sagaId());

        Map<String, Object> instance = jdbc.queryForMap(
                "SELECT START_TIME_, END_TIME_, REMOVAL_TIME_ FROM ACT_HI_PROCINST WHERE PROC_INST_ID_ = ?", saga.sagaId());
        Timestamp start = (Timestamp) instance.get("START_TIME_");
        Timestamp end = (Timestamp) instance.get("END_TIME_");
        assertThat(end).as("the saga's end").isAfter(start); // else start and end strategies look alike
        assertThat(((Timestamp) instance.get("REMOVAL_TIME_")).toInstant()).isEqualTo(start.toInstant().plus(TIME_TO_LIVE));
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
