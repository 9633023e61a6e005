package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.assertj.core.groups.Tuple.tuple;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.audit.Audit;
import io.sagaflow.audit.AuditRecord;
import io.sagaflow.contract.AsyncApiContract;
import io.sagaflow.contract.Topology;
import io.sagaflow.messaging.ManagedListenerContainers;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.CaptureQueues;
import io.sagaflow.testing.IntegrationTest;
import io.sagaflow.testing.SettableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Pausing a participant that is down: the payment participant's consumer is stopped (its commands
 * wait unread in its queue) for longer than the order saga's step deadlines (PT30S; the clock is moved
 * instead of waited for) while 200 sagas wait on it.
 * Paused, none is compensated and all complete after resume; not paused, the same outage compensates.
 */
@IntegrationTest
@DisplayName("Pausing a participant")
class ParticipantPauseIntegrationTests {

    private static final String ORDER = "order-fulfillment";
    private static final String PAYMENT = "payment.";
    private static final String SHIPPING = "shipping.";

    @RegisterExtension
    final CaptureQueues queues = new CaptureQueues();
    private static final int SAGAS = 200;
    /** Longer than every step deadline of the order saga (PT30S). */
    private static final Duration OUTAGE = Duration.ofSeconds(60);
    /** Real time for several rounds of the deadline watcher (sagaflow.saga.deadline-check-interval, 1 s). */
    private static final Duration WATCHER_ROUNDS = Duration.ofSeconds(3);
    private static final Duration SETTLE = Duration.ofSeconds(90);

    private final ApiSupport api;
    private final JdbcTemplate jdbc;
    private final SettableClock clock;
    private final SimpleMessageListenerContainer paymentConsumer;
    private final Audit audit;
    private final MeterRegistry meters;

    ParticipantPauseIntegrationTests(ApiSupport api, JdbcTemplate jdbc, SettableClock clock,
                                     ObjectProvider<ManagedListenerContainers> participants, Audit audit,
                                     MeterRegistry meters) {
        this.meters = meters;
        this.api = api;
        this.jdbc = jdbc;
        this.clock = clock;
        this.audit = audit;
        this.paymentConsumer = participants.orderedStream()
                .flatMap(containers -> containers.consuming(Topology.participantQueue("payment")).stream())
                .findFirst().orElseThrow();
    }

    @AfterEach
    void participantBack() {
        paymentConsumer.start();
        jdbc.update("DELETE FROM sagaflow.outbox_hold WHERE routing_key_prefix IN (?, ?)", PAYMENT, SHIPPING);
    }

    @Test
    @DisplayName("paused while its consumer is gone past the step deadlines: no saga is compensated, all 200 complete in step order after resume")
    void pausedParticipantKeepsItsSagasWaiting() {
        java.time.Instant testStart = clock.instant();
        String sku = api.freshSku(10 * SAGAS);
        paymentConsumer.stop();

        // Half the sagas send their charge before the pause (it waits unread in the queue) ...
        List<String> sentBefore = startOrders(sku, SAGAS / 2);
        awaitChargesPublished(sentBefore);
        ResponseEntity<String> paused = pause("payment service redeploy");
        assertThat(paused.getStatusCode()).isEqualTo(HttpStatus.CREATED);
        assertThat(pause("the same again").getStatusCode()).as("pausing twice changes nothing").isEqualTo(HttpStatus.OK);
        // ... the other half while paused: their charge stays in the outbox.
        List<String> heldBack = startOrders(sku, SAGAS / 2);
        await("the second half's charges written").atMost(SETTLE).until(() -> charges(heldBack) == heldBack.size());

        clock.advance(OUTAGE);
        List<String> all = new ArrayList<>(sentBefore);
        all.addAll(heldBack);
        await("nothing judged while paused").during(WATCHER_ROUNDS).atMost(WATCHER_ROUNDS.plusSeconds(10))
                .until(() -> stepsIn(all, "'TIMED_OUT', 'OVERDUE'") == 0 && compensations(all) == 0);

        assertThat(statusesOf(all)).as("saga statuses during the outage").containsOnlyKeys("RUNNING");
        assertThat(stepsIn(all, "'TIMED_OUT', 'OVERDUE'")).as("steps judged by their deadline").isZero();
        assertThat(compensations(all)).as("compensation commands").isZero();
        assertThat(pendingChargesOf(heldBack)).as("charges held in the outbox").isEqualTo(heldBack.size());
        JsonNode listed = onlyPause();
        assertThat(listed.path("commandPrefix").asText()).isEqualTo(PAYMENT);
        assertThat(listed.path("heldCommands").asLong()).isEqualTo(heldBack.size());
        assertThat(listed.path("waitingSteps").asLong()).isEqualTo(sentBefore.size());
        assertThat(listed.path("reason").asText()).isEqualTo("payment service redeploy");

        paymentConsumer.start();
        ResponseEntity<String> resumed = api.rest().postForEntity("/api/participants/pauses/resume",
                Map.of("commandPrefix", PAYMENT, "reason", "payment service is back"), String.class);
        assertThat(resumed.getStatusCode()).isEqualTo(HttpStatus.OK);
        JsonNode resumedBody = api.readJson(resumed.getBody());
        assertThat(resumedBody.path("releasedCommands").asLong()).isEqualTo(heldBack.size());
        // Its consumer is back first, so a few of the charges sent before the pause may be answered already.
        assertThat(resumedBody.path("resumedDeadlines").asInt()).isBetween(heldBack.size(), SAGAS);

        await("all sagas finished").atMost(SETTLE).pollInterval(Duration.ofMillis(500))
                .until(() -> !statusesOf(all).containsKey("RUNNING"));
        assertThat(statusesOf(all)).as("saga statuses after resume").containsOnlyKeys("COMPLETED");
        assertThat(stepOrders(all)).as("steps answered per saga, in order").containsOnly(
                List.of("Task_ReserveStock", "Task_ChargePayment", "Task_ScheduleShipment"));
        assertThat(audit.find(null, null, testStart, null, 0, 10_000)).filteredOn(record ->
                        record.target() != null && record.target().equals("commands " + PAYMENT + "*"))
                .extracting(AuditRecord::action).containsSubsequence("participant.pause", "participant.pause",
                        "participant.resume");
    }

    @Test
    @DisplayName("not paused, the same outage compensates the sagas waiting on it: the test above can tell")
    void withoutThePauseTheOutageCompensates() {
        String sku = api.freshSku(10 * SAGAS);
        paymentConsumer.stop();
        List<String> sagas = startOrders(sku, SAGAS);
        awaitChargesPublished(sagas);

        clock.advance(OUTAGE);
        await("deadlines judged").atMost(SETTLE).pollInterval(Duration.ofMillis(500))
                .until(() -> stepsIn(sagas, "'TIMED_OUT'") == sagas.size());
        paymentConsumer.start();

        await("all sagas finished").atMost(SETTLE).pollInterval(Duration.ofMillis(500))
                .until(() -> !statusesOf(sagas).containsKey("RUNNING"));
        assertThat(compensations(sagas)).as("compensation commands").isGreaterThanOrEqualTo(2L * sagas.size());
        assertThat(statusesOf(sagas)).as("saga statuses").containsOnlyKeys("COMPENSATED");
    }

    @Test
    @DisplayName("a pause names its participant by a command prefix: none or a wildcard is refused naming the field, resuming what is not paused is 404, all audited")
    void badPauseRequestsAreRefused() {
        java.time.Instant testStart = clock.instant();
        for (String prefix : new String[] {"", "payment.*", "payment charge"}) {
            ResponseEntity<String> refused = api.rest().postForEntity("/api/participants/pauses",
                    Collections.singletonMap("commandPrefix", prefix), String.class);
            api.assertProblem(refused, HttpStatus.BAD_REQUEST);
            assertThat(refused.getBody()).contains("commandPrefix");
        }
        // A prefix of its own: the audit trail of a database kept between runs holds earlier runs' records.
        String nobody = "nobody-paused-" + java.util.UUID.randomUUID() + ".";
        ResponseEntity<String> notPaused = api.rest().postForEntity("/api/participants/pauses/resume",
                Map.of("commandPrefix", nobody), String.class);
        api.assertProblem(notPaused, HttpStatus.NOT_FOUND);
        assertThat(audit.find(null, null, testStart, null, 0, 10_000)).filteredOn(record ->
                        ("commands " + nobody + "*").equals(record.target()))
                .extracting(AuditRecord::outcome).containsExactly(AuditRecord.Outcome.REFUSED);
    }

    @Test
    @DisplayName("auto-pause: 5 technical failures of shipping within a minute pause it (audited, metric, health, event); the sagas that wait on it complete after an operator resumes")
    void autoPauseTripsAndSagasCompleteAfterResume() throws Exception {
        java.time.Instant testStart = clock.instant();
        String sku = api.freshSku(100);
        String events = queues.bind("test.participant-events", new TopicExchange(Topology.EVENTS_EXCHANGE),
                "sagaflow.participant.*");
        double autoPausedBefore = autoPaused();

        // The shipping service fails for a while: the ship step of five orders fails technically.
        List<String> failing = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            failing.add(api.startSaga(ORDER, ApiSupport.orderVariables(sku, "8.00", "DE",
                    "shipping.schedule:technical-failure-once")).sagaId());
        }
        failing.forEach(sagaId -> assertThat(api.awaitFinished(sagaId).status()).isEqualTo("FAILED"));
        await("shipping paused automatically").atMost(SETTLE).until(() -> !pauses().isEmpty());
        JsonNode pause = onlyPause();
        assertThat(pause.path("commandPrefix").asText()).isEqualTo(SHIPPING);
        assertThat(pause.path("automatic").asBoolean()).isTrue();
        assertThat(pause.path("pausedBy").asText()).isEqualTo("sagaflow auto-pause");
        assertThat(pause.path("reason").asText()).contains("5 technical failures or deadline misses within PT1M");
        assertThat(autoPaused() - autoPausedBefore).as("sagaflow.participants.auto-paused").isEqualTo(1.0);
        assertThat(api.rest().getForObject("/actuator/health/participantPauses", String.class))
                .contains("\"commandPrefix\":\"shipping.\"", "\"automatic\":true");
        org.springframework.amqp.core.Message paused = queues.expect(events, Duration.ofSeconds(10));
        assertThat(paused.getMessageProperties().getType()).isEqualTo("participant.paused");
        assertThat(paused.getMessageProperties().getReceivedRoutingKey()).isEqualTo("sagaflow.participant.paused");
        assertThat(api.readJson(paused.getBody()).path("automatic").asBoolean()).isTrue();
        AsyncApiContract.load().assertConforms("ParticipantPaused", paused);
        assertThat(audit.find(null, "sagaflow auto-pause", testStart, null, 0, 10_000)).extracting(AuditRecord::action,
                AuditRecord::via, AuditRecord::outcome).contains(tuple("participant.pause", "AUTO", AuditRecord.Outcome.DONE));

        // Orders placed meanwhile wait for shipping instead of failing one after the other.
        List<String> waiting = startOrders(sku, 10);
        await("their shipping commands held").atMost(SETTLE).until(() -> count(
                "SELECT COUNT(*) FROM sagaflow.outbox_message WHERE status = 'PENDING' AND routing_key = 'shipping.schedule'"
                        + " AND ordering_key IN (%s)", waiting) == waiting.size());
        assertThat(statusesOf(waiting)).containsOnlyKeys("RUNNING");

        // It has recovered: an operator resumes it and retries the incidents.
        ResponseEntity<String> resumed = api.rest().postForEntity("/api/participants/pauses/resume",
                Map.of("commandPrefix", SHIPPING, "reason", "shipping recovered"), String.class);
        assertThat(resumed.getStatusCode()).isEqualTo(HttpStatus.OK);
        org.springframework.amqp.core.Message resumedEvent = queues.expect(events, Duration.ofSeconds(10));
        assertThat(resumedEvent.getMessageProperties().getType()).isEqualTo("participant.resumed");
        AsyncApiContract.load().assertConforms("ParticipantResumed", resumedEvent);
        failing.forEach(api::retryIncidentOf);
        List<String> all = new ArrayList<>(failing);
        all.addAll(waiting);
        await("all sagas finished").atMost(SETTLE).pollInterval(Duration.ofMillis(500))
                .until(() -> !statusesOf(all).containsKey("RUNNING") && !statusesOf(all).containsKey("FAILED"));
        assertThat(statusesOf(all)).containsOnlyKeys("COMPLETED");
        assertThat(pauses()).isEmpty();
    }

    private double autoPaused() {
        io.micrometer.core.instrument.Counter counter = meters.find("sagaflow.participants.auto-paused")
                .tag("commandPrefix", SHIPPING).counter();
        return counter == null ? 0 : counter.count();
    }

    private JsonNode pauses() {
        return api.readJson(api.rest().getForObject("/api/participants/pauses", String.class));
    }

    @Test
    @DisplayName("the OpenAPI document describes pause, resume and the list of pauses")
    void openApiDocumentDescribesPauses() {
        JsonNode paths = api.readJson(api.rest().getForObject("/v3/api-docs", String.class)).path("paths");

        assertThat(paths.path("/api/participants/pauses").has("get")).isTrue();
        assertThat(paths.path("/api/participants/pauses").has("post")).isTrue();
        assertThat(paths.path("/api/participants/pauses/resume").has("post")).isTrue();
    }

    private ResponseEntity<String> pause(String reason) {
        return api.rest().postForEntity("/api/participants/pauses",
                Map.of("commandPrefix", PAYMENT, "reason", reason), String.class);
    }

    private JsonNode onlyPause() {
        JsonNode pauses = api.readJson(api.rest().getForObject("/api/participants/pauses", String.class));
        assertThat(pauses).hasSize(1);
        return pauses.get(0);
    }

    private List<String> startOrders(String sku, int count) {
        List<String> sagaIds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sagaIds.add(api.startSaga(ORDER, ApiSupport.orderVariables(sku, "12.00", "DE")).sagaId());
        }
        return sagaIds;
    }

    private void awaitChargesPublished(List<String> sagaIds) {
        await("charges published to the stopped participant's queue").atMost(SETTLE)
                .pollInterval(Duration.ofMillis(300))
                .until(() -> charges(sagaIds) == sagaIds.size() && pendingChargesOf(sagaIds) == 0);
    }

    private long charges(List<String> sagaIds) {
        return count("SELECT COUNT(*) FROM sagaflow.saga_step WHERE command = 'payment.charge' AND saga_id IN (%s)",
                sagaIds);
    }

    private long pendingChargesOf(List<String> sagaIds) {
        return count("SELECT COUNT(*) FROM sagaflow.outbox_message WHERE status = 'PENDING'"
                + " AND routing_key = 'payment.charge' AND ordering_key IN (%s)", sagaIds);
    }

    private long stepsIn(List<String> sagaIds, String statuses) {
        return count("SELECT COUNT(*) FROM sagaflow.saga_step WHERE status IN (" + statuses + ") AND saga_id IN (%s)",
                sagaIds);
    }

    private long compensations(List<String> sagaIds) {
        return count("SELECT COUNT(*) FROM sagaflow.saga_step WHERE op = 'COMPENSATION' AND saga_id IN (%s)", sagaIds);
    }

    private Map<String, Long> statusesOf(List<String> sagaIds) {
        Map<String, Long> statuses = new java.util.TreeMap<>();
        jdbc.query("SELECT status, COUNT(*) AS n FROM sagaflow.saga WHERE saga_id IN (" + placeholders(sagaIds)
                + ") GROUP BY status", rs -> {
            statuses.put(rs.getString("status"), rs.getLong("n"));
        }, sagaIds.toArray());
        return statuses;
    }

    /** Per saga, its forward steps in the order they were answered. */
    private java.util.Collection<List<String>> stepOrders(List<String> sagaIds) {
        Map<String, List<String>> orders = new java.util.HashMap<>();
        jdbc.query("SELECT saga_id, activity_id FROM sagaflow.saga_step WHERE op = 'ACTION' AND saga_id IN ("
                + placeholders(sagaIds) + ") ORDER BY saga_id, completion_seq", rs -> {
            orders.computeIfAbsent(rs.getString("saga_id"), id -> new ArrayList<>()).add(rs.getString("activity_id"));
        }, sagaIds.toArray());
        return orders.values();
    }

    private long count(String sql, List<String> sagaIds) {
        Long count = jdbc.queryForObject(sql.formatted(placeholders(sagaIds)), Long.class, sagaIds.toArray());
        return count == null ? 0 : count;
    }

    private static String placeholders(List<String> values) {
        return String.join(", ", Collections.nCopies(values.size(), "?"));
    }
}
