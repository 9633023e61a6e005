package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.testing.ApiSupport.Ledger;
import io.sagaflow.testing.ApiSupport.OrderRequest;
import io.sagaflow.testing.ApiSupport.Saga;
import io.sagaflow.testing.ApiSupport.StartedSaga;
import io.sagaflow.testing.ApiSupport.StockLevel;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.Association;
import org.camunda.bpm.model.bpmn.instance.BaseElement;
import org.camunda.bpm.model.bpmn.instance.EventDefinition;
import org.camunda.bpm.model.bpmn.instance.FlowElement;
import org.camunda.bpm.model.bpmn.instance.Process;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputOutput;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperties;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.IntegrationTest;
import io.sagaflow.testing.SettableClock;

/**
 * What a modeller can rely on when a saga does not go the happy way: per-step deadlines, business
 * versus technical failures, operator abort and retry, compensation order, the payload size limit,
 * all driven through the public API with the example participants' failure simulation
 * ({@code "simulate": ["<command>:<behaviour>"]}).
 *
 * <p>Two test copies of the order saga live in {@code src/test/resources/processes}:
 * {@value #FAST} (every deadline PT3S, the reserve step also maps {@code note1..note18}) and {@value #PARALLEL}
 * ({@code sagaflow.compensationOrder=parallel}). Every test uses its own order, customer and SKU
 * row, so its numbers are exact on a database that persists between runs.
 */
@IntegrationTest
@DisplayName("Saga semantics")
class SagaSemanticsIntegrationTests {

    private static final String STANDARD = "order-fulfillment";
    private static final String FAST = "order-fulfillment-fast";
    private static final String PARALLEL = "order-fulfillment-parallel";

    private static final String RESERVE = "Task_ReserveStock";
    private static final String CHARGE = "Task_ChargePayment";
    private static final String SHIP = "Task_ScheduleShipment";
    private static final String RELEASE = "Task_ReleaseStock";

    private static final long INITIAL_STOCK = 1_000;
    /** How long to watch that nothing is sent while an incident waits for an operator. */
    private static final Duration NO_HOT_LOOP_WINDOW = Duration.ofSeconds(3);
    /** A late reply or a detached compensation's reply: held back by the simulation, then relayed. */
    private static final Duration LATE_REPLY_TIMEOUT = Duration.ofSeconds(30);

    /** Moved past a deadline or to a held-back reply instead of waiting; reset after each test. */
    private final SettableClock clock;
    private final ApiSupport api;
    private final JdbcTemplate jdbc;
    private final RuntimeService runtime;
    private final MeterRegistry meters;
    private final org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer replyListener;

    private String customerId;
    private String sku;

    SagaSemanticsIntegrationTests(SettableClock clock, ApiSupport api, JdbcTemplate jdbc, RuntimeService runtime,
                                  MeterRegistry meters,
                                  @org.springframework.beans.factory.annotation.Qualifier("replyListener") org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer replyListener) {
        this.clock = clock;
        this.api = api;
        this.jdbc = jdbc;
        this.runtime = runtime;
        this.meters = meters;
        this.replyListener = replyListener;
    }

    @BeforeEach
    void setUp() {
        customerId = ApiSupport.fresh("customer");
        sku = api.freshSku(INITIAL_STOCK);
    }

    @Test
    @DisplayName("the test copies of the order saga are deployed: 3 s deadlines and a note in the fast one, parallel compensation in the other")
    void testProcessesAreDeployed() throws Exception {
        BpmnModelInstance standard = deployedModel(STANDARD);
        BpmnModelInstance fast = deployedModel(FAST);
        BpmnModelInstance parallel = deployedModel(PARALLEL);

        assertThat(elementIds(fast)).isEqualTo(elementIds(standard));
        assertThat(elementIds(parallel)).isEqualTo(elementIds(standard));
        assertThat(sagaStepInputs(fast)).isNotEmpty().allSatisfy((step, inputs) ->
                assertThat(inputs).as("inputs of %s", step).containsEntry("deadline", "PT3S"));
        assertThat(sagaStepInputs(fast).get(RESERVE)).containsEntry("payloadVariables", "orderId,sku,quantity,"
                + java.util.stream.IntStream.rangeClosed(1, NOTES).mapToObj(i -> "note" + i)
                        .collect(java.util.stream.Collectors.joining(",")));
        assertThat(sagaStepInputs(parallel)).isEqualTo(sagaStepInputs(standard));
        assertThat(processProperties(parallel, PARALLEL)).containsEntry("sagaflow.compensationOrder", "parallel")
                .containsEntry("sagaflow.businessKeyVariable", "orderId");
        assertThat(processProperties(standard, STANDARD)).doesNotContainKey("sagaflow.compensationOrder");
        assertThat(processProperties(fast, FAST)).isEqualTo(processProperties(standard, STANDARD));
    }

    @Test
    @DisplayName("a step without a reply within its deadline times out, is compensated first (before the saga ends), and its late success changes nothing")
    void deadlineThenLateSuccess() {
        StockLevel before = api.stock(sku);

        StartedSaga started = api.startSaga(FAST, order("30.00", "DE", "payment.charge:delay=PT6S"));
        // The participant charged at once and holds its SUCCESS back for 6 s: once that reply is
        // written, move the clock past the charge's 3 s deadline instead of waiting for it.
        String lateReplyId = awaitReplyMessageId(awaitSent(started.sagaId(), CHARGE, "ACTION").commandId(),
                "payment.charge");
        clock.advance(Duration.ofSeconds(3));
        Saga saga = api.awaitFinished(started.sagaId());

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(saga.completedSteps()).containsExactly(RESERVE);
        StepRow charge = single(started.sagaId(), CHARGE, "ACTION");
        assertThat(charge.status()).isEqualTo("TIMED_OUT");
        assertThat(charge.reason()).contains("payment.charge", "deadline", "PT3S");
        StepRow refund = single(started.sagaId(), CHARGE, "COMPENSATION");
        assertThat(refund.command()).isEqualTo("payment.refund");
        assertThat(refund.executionId()).as("a compensation handler waits for the refund").isNotNull();
        assertThat(refund.status()).as("the saga ends only after the refund").isEqualTo("SUCCEEDED");
        assertThat(refund.sentAt()).isAfterOrEqualTo(charge.repliedAt());
        assertThat(saga.compensatedSteps()).as("the timed-out step is compensated first")
                .containsExactly(CHARGE, RESERVE);

        // Move on to the held-back reply, 6 s after the charge: wait until the orchestrator has
        // consumed it, and until the refund's reply is in.
        double staleBefore = staleReplies();
        clock.advance(Duration.ofSeconds(3));
        await("late charge reply consumed by the orchestrator (as stale)").atMost(LATE_REPLY_TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> staleReplies() > staleBefore);
        await("refund answered").atMost(LATE_REPLY_TIMEOUT).pollInterval(Duration.ofMillis(200))
                .until(() -> "SUCCEEDED".equals(single(started.sagaId(), CHARGE, "COMPENSATION").status()));

        assertThat(api.parkedCopies(lateReplyId)).as("late reply parked").isZero();
        assertThat(single(started.sagaId(), CHARGE, "ACTION").status()).isEqualTo("TIMED_OUT");
        Saga after = api.saga(started.sagaId());
        assertThat(after.status()).isEqualTo("COMPENSATED");
        assertThat(after.completedSteps()).containsExactly(RESERVE);
        assertThat(after.compensatedSteps()).containsExactly(CHARGE, RESERVE);
        Ledger ledger = api.ledger(customerId);
        assertThat(ledger.charged()).isEqualByComparingTo("30.00");
        assertThat(ledger.refunded()).isEqualByComparingTo(ledger.charged());
        assertThat(api.stock(sku)).isEqualTo(before);
        assertThat(api.shipments(started.businessKey())).isEmpty();
    }

    @Test
    @DisplayName("a reply already waiting in the orchestrator's queue when the step's deadline passes is the answer: a deadline judges the participant, never the orchestrator's backlog")
    void replyWaitingInTheQueueBeatsItsDeadline() {
        String sagaId;
        StepRow reserve;
        replyListener.stop(); // the orchestrator falls behind: replies wait in its queue
        try {
            sagaId = api.startSaga(FAST, order("31.00", "DE")).sagaId();
            reserve = awaitSent(sagaId, RESERVE, "ACTION");
            String replyId = awaitReplyMessageId(reserve.commandId(), "inventory.reserve");
            await("the participant's reply published to the orchestrator's queue").atMost(LATE_REPLY_TIMEOUT)
                    .pollInterval(Duration.ofMillis(100)).until(() -> "SENT".equals(outboxStatus(replyId)));
            clock.advance(Duration.ofSeconds(4)); // past the reserve step's 3 s deadline
            await("the deadline watcher acted on the step, and what it wrote is published").atMost(LATE_REPLY_TIMEOUT)
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> !"WAITING".equals(single(sagaId, RESERVE, "ACTION").status())
                            && pendingOutboxRows(sagaId) == 0);
        } finally {
            replyListener.start();
        }
        Saga saga = api.awaitFinished(sagaId);

        assertThat(saga.status()).isEqualTo("COMPLETED");
        assertThat(single(sagaId, RESERVE, "ACTION").status()).isEqualTo("SUCCEEDED");
        assertThat(compensationRows(sagaId)).as("compensation commands").isZero();
        assertThat(deadlinePassedStatus(reserve.commandId())).as("the deadline passed and was judged").isEqualTo("SENT");
        assertThat(api.shipments(saga.businessKey())).extracting(ApiSupport.Shipment::status)
                .containsExactly("SCHEDULED");
    }

    private String outboxStatus(String messageId) {
        return jdbc.queryForList("SELECT status FROM sagaflow.outbox_message WHERE message_id = ?", String.class,
                messageId).stream().findFirst().orElse(null);
    }

    private long pendingOutboxRows(String sagaId) {
        Long count = jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.outbox_message WHERE ordering_key = ? AND "
                + "status = 'PENDING'", Long.class, sagaId);
        return count == null ? 0 : count;
    }

    private String deadlinePassedStatus(String commandId) {
        return jdbc.queryForList("SELECT status FROM sagaflow.outbox_message WHERE correlation_id = ? AND message_type = ?",
                String.class, commandId, io.sagaflow.contract.Topology.DEADLINE_PASSED_TYPE).stream().findFirst()
                .orElse(null);
    }

    @Test
    @DisplayName("a technical failure stops the saga in an incident without compensating; clearing it and retrying re-sends the command and the saga completes")
    void technicalFailureIsAnIncidentAndRetryCompletes() {
        StockLevel before = api.stock(sku);

        StartedSaga started = api.startSaga(STANDARD, order("15.00", "DE", "payment.charge:technical-failure"));
        Saga failed = api.awaitFinished(started.sagaId());

        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(failed.completedSteps()).containsExactly(RESERVE);
        assertThat(failed.compensatedSteps()).isEmpty();
        JsonNode incident = singleIncident(started.sagaId());
        assertThat(incident.path("incidentType").asText()).isEqualTo("failedJob");
        assertThat(incident.path("activityId").asText()).isEqualTo(CHARGE);
        assertThat(incident.path("incidentMessage").asText())
                .contains("simulated technical failure", "payment.charge");
        assertThat(compensationRows(started.sagaId())).as("compensation commands").isZero();
        assertThat(api.ledger(customerId).charged()).isEqualByComparingTo("0");

        clearSimulations(started.sagaId());
        retryJob(incident.path("configuration").asText());
        Saga completed = awaitStatus(started.sagaId(), "COMPLETED");

        assertThat(completed.completedSteps()).containsExactly(RESERVE, CHARGE, SHIP);
        assertThat(completed.compensatedSteps()).isEmpty();
        assertThat(rows(started.sagaId(), CHARGE, "ACTION")).extracting(StepRow::attempt, StepRow::status)
                .containsExactly(tuple(1, "FAILED"), tuple(2, "SUCCEEDED"));
        assertThat(single(started.sagaId(), CHARGE, "ACTION", 1).reason()).contains("simulated technical failure");
        assertThat(compensationRows(started.sagaId())).isZero();
        assertThat(incidents(started.sagaId())).isEmpty();
        Ledger ledger = api.ledger(customerId);
        assertThat(ledger.charged()).isEqualByComparingTo("15.00");
        assertThat(ledger.refunded()).isEqualByComparingTo("0");
        assertThat(api.stock(sku).available()).isEqualTo(before.available() - 2);
        assertThat(api.shipments(started.businessKey())).singleElement()
                .satisfies(shipment -> assertThat(shipment.status()).isEqualTo("SCHEDULED"));
    }

    @Test
    @DisplayName("a command failing technically only once leaves an incident whose retry succeeds without clearing anything")
    void technicalFailureOnceSucceedsOnRetry() {
        StartedSaga started = api.startSaga(STANDARD, order("16.00", "DE", "payment.charge:technical-failure-once"));
        Saga failed = api.awaitFinished(started.sagaId());

        assertThat(failed.status()).isEqualTo("FAILED");
        JsonNode incident = singleIncident(started.sagaId());
        assertThat(incident.path("incidentType").asText()).isEqualTo("failedJob");
        assertThat(incident.path("activityId").asText()).isEqualTo(CHARGE);
        assertThat(incident.path("incidentMessage").asText()).contains("simulated technical failure");

        retryJob(incident.path("configuration").asText());
        Saga completed = awaitStatus(started.sagaId(), "COMPLETED");

        assertThat(completed.completedSteps()).containsExactly(RESERVE, CHARGE, SHIP);
        assertThat(rows(started.sagaId(), CHARGE, "ACTION")).extracting(StepRow::attempt, StepRow::status)
                .containsExactly(tuple(1, "FAILED"), tuple(2, "SUCCEEDED"));
        assertThat(api.ledger(customerId).charged()).isEqualByComparingTo("16.00");
    }

    @Test
    @DisplayName("a failing compensation is an incident that sends nothing until retried, and then the saga compensates")
    void failingCompensationIsAnIncidentNotAHotLoop() {
        StockLevel before = api.stock(sku);

        StartedSaga started = api.startSaga(STANDARD, order("17.00", "DE", "payment.charge:business-failure",
                "inventory.release:technical-failure"));
        Saga failed = api.awaitFinished(started.sagaId());

        assertThat(failed.status()).isEqualTo("FAILED");
        assertThat(failed.completedSteps()).containsExactly(RESERVE);
        JsonNode incident = singleIncident(started.sagaId());
        assertThat(incident.path("incidentType").asText()).isEqualTo("failedJob");
        assertThat(incident.path("activityId").asText()).isEqualTo(RELEASE);
        assertThat(incident.path("incidentMessage").asText())
                .contains("simulated technical failure", "inventory.release");
        await("no release command while nobody retries").during(NO_HOT_LOOP_WINDOW)
                .atMost(NO_HOT_LOOP_WINDOW.plusSeconds(2)).pollInterval(Duration.ofMillis(200))
                .until(() -> commandsSent(started.sagaId(), "inventory.release") == 1
                        && releaseRows(started.sagaId()) == 1);
        assertThat(api.stock(sku).reserved()).as("still reserved").isEqualTo(2);

        clearSimulations(started.sagaId());
        retryJob(incident.path("configuration").asText());
        Saga compensated = awaitStatus(started.sagaId(), "COMPENSATED");

        assertThat(compensated.compensatedSteps()).containsExactly(RESERVE);
        assertThat(rows(started.sagaId(), RESERVE, "COMPENSATION")).extracting(StepRow::attempt, StepRow::status)
                .containsExactly(tuple(1, "FAILED"), tuple(2, "SUCCEEDED"));
        assertThat(api.stock(sku)).isEqualTo(before);
        assertThat(api.ledger(customerId).charged()).isEqualByComparingTo("0");
    }

    @Test
    @DisplayName("an operator abort compensates the completed step and the step waiting for its reply, and ends the saga COMPENSATED")
    void abortWhileAStepWaits() {
        StockLevel before = api.stock(sku);

        StartedSaga started = api.startSaga(STANDARD, order("18.00", "DE", "payment.charge:delay=PT5S"));
        String sagaId = started.sagaId();
        await("stock reserved and the charge waiting for its held-back reply").atMost(ApiSupport.SAGA_TIMEOUT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> api.saga(sagaId).completedSteps().contains(RESERVE)
                        && rows(sagaId, CHARGE, "ACTION").stream().anyMatch(row -> "WAITING".equals(row.status()))
                        && api.ledger(customerId).charged().compareTo(new BigDecimal("18.00")) == 0);

        ResponseEntity<String> aborted = api.postJson("/api/sagas/{id}/abort", "{\"reason\":\"customer cancelled\"}",
                sagaId);

        assertThat(aborted.getStatusCode()).as("abort: %s", aborted.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        Saga saga = api.awaitFinished(sagaId);
        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(saga.completedSteps()).containsExactly(RESERVE);
        assertThat(saga.compensatedSteps()).containsExactly(CHARGE, RESERVE);
        StepRow charge = single(sagaId, CHARGE, "ACTION");
        assertThat(charge.status()).isEqualTo("CANCELLED");
        assertThat(charge.reason()).contains("customer cancelled");
        StepRow refund = single(sagaId, CHARGE, "COMPENSATION");
        assertThat(refund.command()).isEqualTo("payment.refund");
        assertThat(refund.executionId()).as("a compensation handler waits for the refund").isNotNull();
        assertThat(refund.status()).isEqualTo("SUCCEEDED");
        assertThat(api.stock(sku)).isEqualTo(before);
        await("the charge refunded").atMost(LATE_REPLY_TIMEOUT).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    Ledger ledger = api.ledger(customerId);
                    assertThat(ledger.charged()).isEqualByComparingTo("18.00");
                    assertThat(ledger.refunded()).isEqualByComparingTo(ledger.charged());
                });
        assertThat(api.shipments(started.businessKey())).isEmpty();
        // The charge's SUCCESS, held back 5 s, arrives after the abort and changes nothing: move the
        // clock on to it instead of waiting.
        String lateReplyId = awaitReplyMessageId(charge.commandId(), "payment.charge");
        double staleBefore = staleReplies();
        clock.advance(Duration.ofSeconds(5));
        await("late charge reply consumed by the orchestrator (as stale)").atMost(LATE_REPLY_TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> staleReplies() > staleBefore
                        && "SUCCEEDED".equals(single(sagaId, CHARGE, "COMPENSATION").status()));
        assertThat(api.parkedCopies(lateReplyId)).as("late reply parked").isZero();
        assertThat(single(sagaId, CHARGE, "ACTION").status()).isEqualTo("CANCELLED");
        Saga after = api.saga(sagaId);
        assertThat(after.status()).isEqualTo("COMPENSATED");
        assertThat(after.completedSteps()).containsExactly(RESERVE);
        assertThat(after.compensatedSteps()).containsExactly(CHARGE, RESERVE);

        api.assertProblem(api.postJson("/api/sagas/{id}/abort", "{\"reason\":\"again\"}", sagaId), HttpStatus.CONFLICT);
        api.assertProblem(api.postJson("/api/sagas/{id}/abort", "{}", ApiSupport.fresh("no-such-saga")),
                HttpStatus.NOT_FOUND);
    }

    @Test
    @DisplayName("a step an operator moved the saga past (Cockpit's modification) is CANCELLED: its reply is stale (acknowledged, not parked), its deadline does nothing")
    void replyToAStepTheSagaWasMovedPast() {
        StartedSaga started = api.startSaga(STANDARD, order("12.00", "DE", "payment.charge:delay=PT5S"));
        String sagaId = started.sagaId();
        StepRow charge = awaitSent(sagaId, CHARGE, "ACTION");
        String lateReplyId = awaitReplyMessageId(charge.commandId(), "payment.charge");
        double staleBefore = staleReplies();

        // What an operator does in Cockpit: cancel the waiting charge and go on with the shipment.
        runtime.createProcessInstanceModification(sagaId).cancelAllForActivity(CHARGE)
                .startBeforeActivity(SHIP).execute();
        Saga saga = api.awaitFinished(sagaId);
        assertThat(saga.status()).isEqualTo("COMPLETED");
        assertThat(single(sagaId, CHARGE, "ACTION").status()).as("the cancelled step's record").isEqualTo("CANCELLED");

        clock.advance(Duration.ofSeconds(5));
        await("late charge reply consumed by the orchestrator").atMost(LATE_REPLY_TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> staleReplies() > staleBefore);
        assertThat(api.parkedCopies(lateReplyId)).as("late reply parked").isZero();
        assertThat(staleReplies() - staleBefore).as("replies handled as stale").isEqualTo(1);
        assertThat(single(sagaId, CHARGE, "ACTION").status()).as("the answer is not recorded").isEqualTo("CANCELLED");
        assertThat(api.saga(sagaId)).isEqualTo(saga);

        // Its 30 s deadline passes too: nothing waits any more, nothing is judged.
        double overdueBefore = meters.find("sagaflow.steps.overdue").counters().stream()
                .mapToDouble(Counter::count).sum();
        clock.advance(Duration.ofSeconds(30));
        await("a deadline round").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> "CANCELLED".equals(single(sagaId, CHARGE, "ACTION").status()));
        assertThat(meters.find("sagaflow.steps.overdue").counters().stream().mapToDouble(Counter::count).sum())
                .isEqualTo(overdueBefore);
        assertThat(api.saga(sagaId).status()).isEqualTo("COMPLETED");
    }

    @Test
    @DisplayName("a reply to a step its execution no longer waits in is stale: the answer its statement wrote is taken back")
    void replyToAStepItsExecutionNoLongerWaitsIn() {
        StartedSaga started = api.startSaga(STANDARD, order("12.00", "DE", "payment.charge:delay=PT5S"));
        String sagaId = started.sagaId();
        StepRow charge = awaitSent(sagaId, CHARGE, "ACTION");
        awaitReplyMessageId(charge.commandId(), "payment.charge");
        double staleBefore = staleReplies();
        // The engine's own listeners mark a step CANCELLED whenever its execution leaves it, so the
        // row is made to name another activity: the reply finds its row WAITING and the execution elsewhere.
        jdbc.update("UPDATE sagaflow.saga_step SET activity_id = 'Task_Elsewhere' WHERE command_id = ?",
                charge.commandId());

        clock.advance(Duration.ofSeconds(5));
        await("late charge reply consumed by the orchestrator").atMost(LATE_REPLY_TIMEOUT)
                .pollInterval(Duration.ofMillis(200))
                .until(() -> staleReplies() > staleBefore);
        // The reply answered the row in the statement that locked it, found nothing to signal and took
        // the answer back: the row is as it was, with the reply counted; the saga still waits.
        assertThat(jdbc.queryForMap("""
                SELECT status, reason, replied_at, completion_seq, replies_received FROM sagaflow.saga_step
                WHERE command_id = ?
                """, charge.commandId())).containsEntry("status", "WAITING").containsEntry("reason", null)
                .containsEntry("replied_at", null).containsEntry("completion_seq", null)
                .hasEntrySatisfying("replies_received", received -> assertThat(((Number) received).intValue())
                        .isEqualTo(1));
        assertThat(api.saga(sagaId).status()).isEqualTo("RUNNING");

        jdbc.update("UPDATE sagaflow.saga_step SET activity_id = ? WHERE command_id = ?", CHARGE, charge.commandId());
        ResponseEntity<String> abort = api.postJson("/api/sagas/{id}/abort", "{\"reason\":\"test over\"}", sagaId);
        assertThat(abort.getStatusCode().is2xxSuccessful()).as("abort: %s", abort.getBody()).isTrue();
        assertThat(api.awaitFinished(sagaId).status()).isEqualTo("COMPENSATED");
    }

    @Test
    @DisplayName("compensation runs in reverse: the refund of the later step is answered before the stock release is sent")
    void compensationRunsInReverseOrder() {
        StockLevel before = api.stock(sku);

        StartedSaga started = api.placeOrder(new OrderRequest(customerId, sku, 2, new BigDecimal("19.00"), "XX"));
        Saga saga = api.awaitFinished(started.sagaId());

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(saga.completedSteps()).containsExactly(RESERVE, CHARGE);
        assertThat(saga.compensatedSteps()).containsExactly(CHARGE, RESERVE);
        StepRow refund = single(started.sagaId(), CHARGE, "COMPENSATION");
        StepRow release = single(started.sagaId(), RESERVE, "COMPENSATION");
        assertThat(refund.command()).isEqualTo("payment.refund");
        assertThat(release.command()).isEqualTo("inventory.release");
        assertThat(refund.status()).isEqualTo("SUCCEEDED");
        assertThat(release.status()).isEqualTo("SUCCEEDED");
        assertThat(release.sentAt()).as("release sent").isAfterOrEqualTo(refund.repliedAt());
        assertThat(api.stock(sku)).isEqualTo(before);
        Ledger ledger = api.ledger(customerId);
        assertThat(ledger.charged()).isEqualByComparingTo("19.00");
        assertThat(ledger.refunded()).isEqualByComparingTo(ledger.charged());
    }

    @Test
    @DisplayName("a process that opts into parallel compensation sends the stock release without waiting for the refund's reply")
    void parallelCompensationOptIn() {
        StockLevel before = api.stock(sku);

        // The refund's reply is held back 4 s: in reverse order the release could only go after it.
        // Once that reply is written, the clock moves on to it instead of waiting.
        StartedSaga started = api.startSaga(PARALLEL, order("20.00", "XX", "payment.refund:delay=PT4S"));
        awaitReplyMessageId(awaitSent(started.sagaId(), CHARGE, "COMPENSATION").commandId(), "payment.refund");
        clock.advance(Duration.ofSeconds(4));
        Saga saga = api.awaitFinished(started.sagaId());

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(saga.completedSteps()).containsExactly(RESERVE, CHARGE);
        StepRow refund = single(started.sagaId(), CHARGE, "COMPENSATION");
        StepRow release = single(started.sagaId(), RESERVE, "COMPENSATION");
        assertThat(refund.status()).isEqualTo("SUCCEEDED");
        assertThat(release.status()).isEqualTo("SUCCEEDED");
        // Parallel: the release did not wait for the refund's (held back) reply.
        assertThat(release.sentAt()).as("release sent").isBefore(refund.repliedAt());
        assertThat(saga.compensatedSteps()).containsExactlyInAnyOrder(RESERVE, CHARGE);
        assertThat(api.stock(sku)).isEqualTo(before);
        Ledger ledger = api.ledger(customerId);
        assertThat(ledger.charged()).isEqualByComparingTo("20.00");
        assertThat(ledger.refunded()).isEqualByComparingTo(ledger.charged());
    }

    /** 18 notes of 3,900 characters: over the 65,536-byte payload limit. */
    private static final int NOTES = 18;

    @Test
    @DisplayName("a step whose payload is over the size limit fails with an incident naming the step and the limit")
    void oversizedPayloadIsAnIncident() {
        Map<String, Object> variables = order("21.00", "DE");
        // A saga variable holds at most 4000 characters, so the payload grows by mapping many of them.
        for (int i = 1; i <= NOTES; i++) {
            variables.put("note" + i, "n".repeat(3_900));
        }

        StartedSaga started = api.startSaga(FAST, variables);
        Saga saga = api.awaitFinished(started.sagaId());

        assertThat(saga.status()).isEqualTo("FAILED");
        assertThat(saga.completedSteps()).isEmpty();
        JsonNode incident = singleIncident(started.sagaId());
        assertThat(incident.path("incidentType").asText()).isEqualTo("failedJob");
        assertThat(incident.path("activityId").asText()).isEqualTo(RESERVE);
        assertThat(incident.path("incidentMessage").asText()).contains("over the limit", RESERVE, "65536");
        assertThat(rows(started.sagaId())).as("commands sent").isEmpty();
        assertThat(api.stock(sku).reserved()).isZero();
    }

    @Test
    @DisplayName("an invalid simulate entry answers 400 problem+json naming the field \"simulate\", and starts no saga")
    void invalidSimulationIsABadRequest() throws Exception {
        Map<String, Object> variables = order("22.00", "DE", "payment.charge:explode");
        String orderId = (String) variables.get("orderId");

        ResponseEntity<String> response = api.postJson("/api/sagas/{processKey}",
                api.json(variables), STANDARD);

        api.assertProblem(response, HttpStatus.BAD_REQUEST);
        JsonNode problem = api.readJson(response.getBody());
        assertThat(problem.path("errors").findValuesAsText("field")).containsExactly("simulate");
        assertThat(problem.path("detail").asText()).contains("explode");
        JsonNode count = engineRest("/engine-rest/history/process-instance/count?processInstanceBusinessKey={key}",
                orderId);
        assertThat(count.path("count").asLong()).as("sagas started for order %s", orderId).isZero();
    }

    // --- the saga's input -------------------------------------------------------------------

    /** Variables of an order of 2 units of this test's SKU, with a fresh order id. */
    private Map<String, Object> order(String amount, String country, String... simulate) {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("orderId", ApiSupport.fresh("order"));
        variables.put("customerId", customerId);
        variables.put("sku", sku);
        variables.put("quantity", 2);
        variables.put("amount", Double.parseDouble(amount));
        variables.put("country", country);
        if (simulate.length > 0) {
            variables.put("simulate", List.of(simulate));
        }
        return variables;
    }

    // --- the commands the saga sent (sagaflow.saga_step) --------------------------------------

    private record StepRow(String commandId, String executionId, String activityId, String step, String op,
                           String command, int attempt, String status, String reason, Instant sentAt,
                           Instant repliedAt) {
    }

    private List<StepRow> rows(String sagaId) {
        return jdbc.query("""
                SELECT * FROM sagaflow.saga_step WHERE saga_id = ? ORDER BY sent_at, attempt
                """, (rs, n) -> new StepRow(rs.getString("command_id"), rs.getString("execution_id"),
                rs.getString("activity_id"), rs.getString("step"), rs.getString("op"), rs.getString("command"),
                rs.getInt("attempt"), rs.getString("status"), rs.getString("reason"),
                instant(rs.getTimestamp("sent_at")), instant(rs.getTimestamp("replied_at"))), sagaId);
    }

    /** Commands for {@code step} (a compensation names the step it undoes) by attempt. */
    private List<StepRow> rows(String sagaId, String step, String op) {
        List<StepRow> rows = new ArrayList<>(rows(sagaId).stream()
                .filter(row -> row.step().equals(step) && row.op().equals(op)).toList());
        rows.sort((a, b) -> Integer.compare(a.attempt(), b.attempt()));
        return rows;
    }

    /** The first command for {@code step} once it is written (whatever its status by then). */
    private StepRow awaitSent(String sagaId, String step, String op) {
        return await("%s command of %s in saga %s".formatted(op, step, sagaId)).atMost(ApiSupport.SAGA_TIMEOUT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> rows(sagaId, step, op).stream().findFirst().orElse(null), Objects::nonNull);
    }

    private StepRow single(String sagaId, String step, String op) {
        List<StepRow> rows = rows(sagaId, step, op);
        assertThat(rows).as("%s commands of %s in %s", op, step, rows(sagaId)).hasSize(1);
        return rows.get(0);
    }

    private StepRow single(String sagaId, String step, String op, int attempt) {
        return rows(sagaId, step, op).stream().filter(row -> row.attempt() == attempt).findFirst()
                .orElseThrow(() -> new AssertionError("no attempt " + attempt + " of " + op + " " + step));
    }

    private double staleReplies() {
        return meters.find("sagaflow.replies.stale").counters().stream().mapToDouble(Counter::count).sum();
    }

    private long compensationRows(String sagaId) {
        return rows(sagaId).stream().filter(row -> row.op().equals("COMPENSATION")).count();
    }

    private long releaseRows(String sagaId) {
        return rows(sagaId).stream().filter(row -> row.command().equals("inventory.release")).count();
    }

    /** Commands the orchestrator wrote to its outbox (ordered by saga id) with this routing key. */
    private long commandsSent(String sagaId, String command) {
        Long count = jdbc.queryForObject("""
                SELECT COUNT(*) FROM sagaflow.outbox_message WHERE ordering_key = ? AND routing_key = ?
                """, Long.class, sagaId, command);
        return count == null ? 0 : count;
    }

    /**
     * The message id of the participant's reply to a command, once the participant has written it
     * to its outbox (the command's own outbox row carries the command id as correlation id too).
     */
    private String awaitReplyMessageId(String commandId, String command) {
        AtomicReference<String> messageId = new AtomicReference<>();
        await("reply to command " + commandId + " written").atMost(LATE_REPLY_TIMEOUT)
                .pollInterval(Duration.ofMillis(200)).until(() -> {
                    List<String> ids = jdbc.queryForList("""
                            SELECT message_id FROM sagaflow.outbox_message
                            WHERE correlation_id = ? AND message_type = ?
                            """, String.class, commandId, command + ".reply");
                    ids.stream().findFirst().ifPresent(messageId::set);
                    return ids.size() == 1;
                });
        return messageId.get();
    }

    private static Instant instant(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant();
    }

    // --- operator actions: saga status, Cockpit's incidents and retry -------------------------

    /** Polls until the saga has {@code status}; fails with the last view seen. */
    private Saga awaitStatus(String sagaId, String status) {
        AtomicReference<Saga> last = new AtomicReference<>();
        await("saga " + sagaId + " " + status).atMost(ApiSupport.SAGA_TIMEOUT).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> {
                    Saga saga = api.saga(sagaId);
                    last.set(saga);
                    assertThat(saga.status())
                            .as(() -> "status of " + saga + " (incidents " + incidents(sagaId) + ")")
                            .isEqualTo(status);
                });
        return last.get();
    }

    private List<JsonNode> incidents(String sagaId) {
        JsonNode incidents = engineRest("/engine-rest/incident?processInstanceId={id}", sagaId);
        assertThat(incidents.isArray()).as("incidents: %s", incidents).isTrue();
        List<JsonNode> list = new ArrayList<>();
        incidents.forEach(list::add);
        return list;
    }

    private JsonNode singleIncident(String sagaId) {
        List<JsonNode> incidents = incidents(sagaId);
        assertThat(incidents).as("incidents of saga %s", sagaId).hasSize(1);
        return incidents.get(0);
    }

    /** What Cockpit's Retry does: give the failed job one retry. */
    private void retryJob(String jobId) {
        assertThat(jobId).as("job of the incident").isNotBlank();
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        ResponseEntity<String> response = api.rest().exchange("/engine-rest/job/{id}/retries", HttpMethod.PUT,
                new HttpEntity<>("{\"retries\":1}", headers), String.class, jobId);
        assertThat(response.getStatusCode()).as("retry: %s", response.getBody()).isEqualTo(HttpStatus.NO_CONTENT);
    }

    private void clearSimulations(String sagaId) {
        ResponseEntity<Void> response = api.rest().exchange("/api/examples/simulations/{id}", HttpMethod.DELETE,
                null, Void.class, sagaId);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.NO_CONTENT);
    }

    private JsonNode engineRest(String path, Object... uriVariables) {
        ResponseEntity<String> response = api.rest().getForEntity(path, String.class, uriVariables);
        assertThat(response.getStatusCode()).as("GET %s: %s", path, response.getBody()).isEqualTo(HttpStatus.OK);
        try {
            return api.readJson(response.getBody());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + response.getBody(), e);
        }
    }

    // --- the deployed models ----------------------------------------------------------------

    private BpmnModelInstance deployedModel(String processKey) {
        JsonNode xml = engineRest("/engine-rest/process-definition/key/{key}/xml", processKey);
        return Bpmn.readModelFromStream(
                new ByteArrayInputStream(xml.path("bpmn20Xml").asText().getBytes(StandardCharsets.UTF_8)));
    }

    /** Ids of the flow elements, events and associations of the model (its diagram ids left out). */
    private static List<String> elementIds(BpmnModelInstance model) {
        return model.getModelElementsByType(BaseElement.class).stream()
                .filter(element -> element instanceof FlowElement
                        || element instanceof Association
                        || element instanceof EventDefinition)
                .map(BaseElement::getId).sorted().toList();
    }

    /** Input parameters of every {@code ${sagaStep}} task, by task id. */
    private static Map<String, Map<String, String>> sagaStepInputs(BpmnModelInstance model) {
        Map<String, Map<String, String>> inputs = new TreeMap<>();
        for (ServiceTask task : model.getModelElementsByType(ServiceTask.class)) {
            if (!"${sagaStep}".equals(task.getCamundaDelegateExpression())) {
                continue;
            }
            Map<String, String> parameters = new TreeMap<>();
            task.getExtensionElements().getElementsQuery().filterByType(CamundaInputOutput.class).list()
                    .forEach(io -> io.getCamundaInputParameters().forEach(parameter ->
                            parameters.put(parameter.getCamundaName(), parameter.getTextContent().trim())));
            inputs.put(task.getId(), parameters);
        }
        return inputs;
    }

    private static Map<String, String> processProperties(BpmnModelInstance model, String processKey) {
        Process process = model.getModelElementById(processKey);
        assertThat(process).as("process %s", processKey).isNotNull();
        Map<String, String> properties = new TreeMap<>();
        process.getExtensionElements().getElementsQuery()
                .filterByType(CamundaProperties.class).list()
                .forEach(list -> list.getCamundaProperties()
                        .forEach((CamundaProperty property) ->
                                properties.put(property.getCamundaName(), property.getCamundaValue())));
        return properties;
    }
}
