package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.IntegrationTest;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A retry policy on the order saga's charge step: the participant fails technically every time.
 * Each next attempt is a job due at the time the policy says (checked against the failure's
 * recorded time, within the jitter), run at once by the test instead of waited for.
 */
@IntegrationTest
@DisplayName("A step's retry policy")
class StepRetryPolicyIntegrationTests {

    private final ApiSupport api;
    private final JdbcTemplate jdbc;
    private final RepositoryService repository;
    private final ManagementService management;
    private final io.sagaflow.testing.SettableClock clock;
    private final org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer paymentConsumer;

    StepRetryPolicyIntegrationTests(ApiSupport api, JdbcTemplate jdbc, RepositoryService repository,
                                    ManagementService management, io.sagaflow.testing.SettableClock clock,
                                    org.springframework.beans.factory.ObjectProvider<io.sagaflow.messaging.ManagedListenerContainers> participants) {
        this.clock = clock;
        this.paymentConsumer = participants.orderedStream()
                .flatMap(containers -> containers.consuming(io.sagaflow.contract.Topology.participantQueue("payment")).stream())
                .findFirst().orElseThrow();
        this.api = api;
        this.jdbc = jdbc;
        this.repository = repository;
        this.management = management;
    }

    @AfterEach
    void noPauseLeft() {
        jdbc.update("DELETE FROM sagaflow.outbox_hold WHERE routing_key_prefix = 'payment.'");
    }

    @Test
    @DisplayName("maxAttempts=3, exponential from PT1M with 10 % jitter: retried after about 1 and 2 minutes, then it compensates as onExhausted says")
    void retriedAtTheConfiguredTimesThenCompensates() throws Exception {
        String processKey = deployOrderWithChargeRetries("compensate");
        String sagaId = api.startSaga(processKey, ApiSupport.orderVariables(api.freshSku(10), "7.00", "DE",
                "payment.charge:technical-failure")).sagaId();

        assertNextTry(sagaId, 1, Duration.ofSeconds(60), 0.1);
        assertNextTry(sagaId, 2, Duration.ofSeconds(120), 0.1);
        await("the third attempt failed").atMost(ApiSupport.SAGA_TIMEOUT)
                .until(() -> chargeAttempts(sagaId, "FAILED") == 3);

        ApiSupport.Saga saga = api.awaitFinished(sagaId);
        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(saga.completedSteps()).containsExactly("Task_ReserveStock");
        assertThat(chargeAttempts(sagaId, "FAILED")).as("charges sent").isEqualTo(3);
        assertThat(management.createJobQuery().processInstanceId(sagaId).count()).isZero();
    }

    @Test
    @DisplayName("onExhausted=incident raises an incident after the last attempt; onExhausted=pause pauses the participant and the step waits")
    void exhaustedRaisesAnIncidentOrPauses() throws Exception {
        String incidentKey = deployOrderWithChargeRetries("incident");
        String failing = api.startSaga(incidentKey, ApiSupport.orderVariables(api.freshSku(10), "7.00", "DE",
                "payment.charge:technical-failure")).sagaId();
        assertNextTry(failing, 1, Duration.ofSeconds(60), 0.1);
        assertNextTry(failing, 2, Duration.ofSeconds(120), 0.1);
        assertThat(api.awaitFinished(failing).status()).isEqualTo("FAILED");
        assertThat(jdbc.queryForObject("SELECT reason FROM sagaflow.saga WHERE saga_id = ?", String.class, failing))
                .contains("retries exhausted: 3 attempts of 3");

        String pauseKey = deployOrderWithChargeRetries("pause");
        String paused = api.startSaga(pauseKey, ApiSupport.orderVariables(api.freshSku(10), "7.00", "DE",
                "payment.charge:technical-failure")).sagaId();
        assertNextTry(paused, 1, Duration.ofSeconds(60), 0.1);
        assertNextTry(paused, 2, Duration.ofSeconds(120), 0.1);
        await("payment paused").atMost(ApiSupport.SAGA_TIMEOUT).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM sagaflow.outbox_hold WHERE routing_key_prefix = 'payment.' AND automatic", Long.class) == 1);
        await("a fourth charge written and held").atMost(ApiSupport.SAGA_TIMEOUT).until(() -> jdbc.queryForObject("""
                SELECT COUNT(*) FROM sagaflow.outbox_message o JOIN sagaflow.saga_step s ON s.command_id = o.message_id
                WHERE s.saga_id = ? AND s.command = 'payment.charge' AND o.status = 'PENDING'""", Long.class, paused) == 1);
        assertThat(api.saga(paused).status()).isEqualTo("RUNNING");
        api.rest().delete("/api/examples/simulations/{id}", paused); // the participant has recovered
        api.rest().postForEntity("/api/participants/pauses/resume", java.util.Map.of("commandPrefix", "payment."),
                String.class);
        assertThat(api.awaitFinished(paused).status()).isEqualTo("COMPLETED");
    }

    @Test
    @DisplayName("a missed deadline follows the policy too: the charge is sent again after the backoff, and once exhausted the saga compensates it (the participant charged once, refunded once)")
    void missedDeadlinesAreRetriedThenCompensated() throws Exception {
        String processKey = deployOrderWithChargeRetries("compensate", "2");
        String customer = ApiSupport.fresh("customer");
        java.util.Map<String, Object> order = ApiSupport.orderVariables(api.freshSku(10), "7.00", "DE");
        order.put("customerId", customer);
        paymentConsumer.stop(); // the payment service does not answer
        String sagaId;
        try {
            sagaId = api.startSaga(processKey, order).sagaId();
            await("the charge sent").atMost(ApiSupport.SAGA_TIMEOUT).until(() -> chargeAttempts(sagaId, "WAITING") == 1);
            clock.advance(Duration.ofSeconds(31)); // past the charge's PT30S deadline
            await("attempt 1 timed out and its retry scheduled").atMost(ApiSupport.SAGA_TIMEOUT)
                    .until(() -> chargeAttempts(sagaId, "TIMED_OUT") == 1
                            && management.createJobQuery().processInstanceId(sagaId).count() == 1);
            Job retry = management.createJobQuery().processInstanceId(sagaId).singleResult();
            Instant timedOutAt = jdbc.queryForObject("SELECT MAX(replied_at) FROM sagaflow.saga_step WHERE saga_id = ?"
                    + " AND command = 'payment.charge'", java.sql.Timestamp.class, sagaId).toInstant();
            assertThat(Duration.between(timedOutAt, retry.getDuedate().toInstant()).toMillis())
                    .isBetween(53_950L, 67_000L);
            management.executeJob(retry.getId());
            await("attempt 2 sent").atMost(ApiSupport.SAGA_TIMEOUT).until(() -> chargeAttempts(sagaId, "WAITING") == 1);
            clock.advance(Duration.ofSeconds(31));
            await("attempt 2 timed out, no more retries").atMost(ApiSupport.SAGA_TIMEOUT)
                    .until(() -> chargeAttempts(sagaId, "TIMED_OUT") == 2);
        } finally {
            paymentConsumer.start();
        }
        ApiSupport.Saga saga = api.awaitFinished(sagaId);
        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(saga.compensatedSteps()).containsExactly("Task_ChargePayment", "Task_ReserveStock");
        ApiSupport.Ledger ledger = api.ledger(customer);
        assertThat(ledger.charged()).as("two charge commands, one charge").isEqualByComparingTo("7.00");
        assertThat(ledger.refunded()).isEqualByComparingTo("7.00");
    }

    /**
     * The saga's retry job is due {@code delay} (within the jitter) after its attempt's failure was
     * recorded; it is run now.
     */
    private void assertNextTry(String sagaId, int failedAttempts, Duration delay, double jitter) {
        await("attempt " + failedAttempts + " failed and its retry scheduled").atMost(ApiSupport.SAGA_TIMEOUT)
                .until(() -> chargeAttempts(sagaId, "FAILED") == failedAttempts
                        && management.createJobQuery().processInstanceId(sagaId).count() == 1);
        Job retry = management.createJobQuery().processInstanceId(sagaId).singleResult();
        Instant failedAt = jdbc.queryForObject("""
                SELECT MAX(replied_at) FROM sagaflow.saga_step WHERE saga_id = ? AND command = 'payment.charge'
                """, java.sql.Timestamp.class, sagaId).toInstant();
        Instant due = retry.getDuedate().toInstant();
        long low = (long) (delay.toMillis() * (1 - jitter)) - 50;
        long high = (long) (delay.toMillis() * (1 + jitter)) + 1_000;
        assertThat(Duration.between(failedAt, due).toMillis()).as("retry %d due after the failure", failedAttempts)
                .isBetween(low, high);
        assertThat(retry.getRetries()).as("a scheduled retry, no incident").isPositive();
        com.fasterxml.jackson.databind.JsonNode nextTry = api.readJson(api.rest().getForObject(
                "/api/sagas/{id}/messages", String.class, sagaId)).path("nextTries").path(0);
        assertThat(nextTry.path("activityId").asText()).as("the saga's messages name the next try").isEqualTo("Task_ChargePayment");
        assertThat(Instant.parse(nextTry.path("at").asText())).isEqualTo(due);
        management.executeJob(retry.getId());
    }

    private long chargeAttempts(String sagaId, String status) {
        Long count = jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.saga_step WHERE saga_id = ? AND command = "
                + "'payment.charge' AND status = ?", Long.class, sagaId, status);
        return count == null ? 0 : count;
    }

    private String deployOrderWithChargeRetries(String onExhausted) throws Exception {
        return deployOrderWithChargeRetries(onExhausted, "3");
    }

    private String deployOrderWithChargeRetries(String onExhausted, String maxAttempts) throws Exception {
        String policy = List.of("<camunda:inputParameter name=\"retryMaxAttempts\">" + maxAttempts + "</camunda:inputParameter>",
                "<camunda:inputParameter name=\"retryBackoff\">exponential</camunda:inputParameter>",
                "<camunda:inputParameter name=\"retryInitialDelay\">PT1M</camunda:inputParameter>",
                "<camunda:inputParameter name=\"retryMaxDelay\">PT10M</camunda:inputParameter>",
                "<camunda:inputParameter name=\"retryJitter\">0.1</camunda:inputParameter>",
                "<camunda:inputParameter name=\"retryOnExhausted\">" + onExhausted + "</camunda:inputParameter>")
                .stream().reduce("", String::concat);
        String charge = "<camunda:inputParameter name=\"command\">payment.charge</camunda:inputParameter>";
        return io.sagaflow.testing.ProcessCopies.deploy(repository, "order-fulfillment", "retrying-order-",
                java.util.Map.of(charge, charge + policy));
    }
}
