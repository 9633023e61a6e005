package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.sagaflow.contract.Topology;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.CaptureQueues;
import io.sagaflow.testing.IntegrationTest;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Bulk repairs by filter: 500 incidents retried and 500 FAILED outbox rows requeued, each as one
 * action with progress and a result per item; the same submission twice does nothing twice.
 */
@IntegrationTest
@DisplayName("Bulk repairs")
class BulkRepairIntegrationTests {

    private static final int ITEMS = 500;
    private static final Duration BATCH_TIMEOUT = Duration.ofMinutes(3);

    @RegisterExtension
    final CaptureQueues queues = new CaptureQueues();

    private final ApiSupport api;
    private final JdbcTemplate jdbc;
    private final RepositoryService repository;
    private final RuntimeService runtime;
    private final AmqpAdmin amqpAdmin;

    BulkRepairIntegrationTests(ApiSupport api, JdbcTemplate jdbc, RepositoryService repository, RuntimeService runtime,
                               AmqpAdmin amqpAdmin) {
        this.amqpAdmin = amqpAdmin;
        this.api = api;
        this.jdbc = jdbc;
        this.repository = repository;
        this.runtime = runtime;
    }

    @Test
    @DisplayName("500 sagas stopped by a lost payment route: a preview counts their incidents, one bulk retry completes them all, submitted twice it runs once")
    void bulkRetryOf500Incidents() throws Exception {
        String processKey = deployOrderCopy();
        String sku = api.freshSku(10L * ITEMS);
        List<String> sagaIds = new ArrayList<>();
        // The broker lost the payment route (a failover without the definitions): each charge comes
        // back undelivered and its step stops in an incident.
        amqpAdmin.removeBinding(chargeRoute());
        try {
            for (int i = 0; i < ITEMS; i++) {
                sagaIds.add(api.startSaga(processKey, ApiSupport.orderVariables(sku, "5.00", "DE")).sagaId());
            }
            await("500 incidents").atMost(BATCH_TIMEOUT).pollInterval(Duration.ofSeconds(1)).until(() ->
                    runtime.createIncidentQuery().processDefinitionKeyIn(processKey).count() == ITEMS);
        } finally {
            amqpAdmin.declareBinding(chargeRoute());
        }

        Map<String, Object> request = request("incident.retry",
                filter(processKey, "Task_ChargePayment", "payment.charge"), "the payment route is back");
        request.put("dryRun", true);
        JsonNode preview = post(request, HttpStatus.OK);
        assertThat(preview.path("count").asInt()).isEqualTo(ITEMS);
        assertThat(preview.path("sample")).hasSize(20);

        request.put("dryRun", false);
        JsonNode submitted = post(request, HttpStatus.ACCEPTED);
        String id = submitted.path("bulkRepairId").asText();
        assertThat(submitted.path("total").asInt()).isEqualTo(ITEMS);
        JsonNode again = post(request, HttpStatus.OK);
        assertThat(again.path("bulkRepairId").asText()).as("the same repair submitted while it runs").isEqualTo(id);
        assertThat(again.path("alreadyRunning").asBoolean()).isTrue();

        JsonNode done = awaitDone(id);
        assertThat(done.path("counts").path("DONE").asInt()).isEqualTo(ITEMS);
        assertThat(done.path("counts").path("FAILED").asInt()).isZero();
        assertThat(done.path("items")).hasSize(ITEMS).allSatisfy(item -> assertThat(item.path("sagaId").asText()).isIn(sagaIds));
        await("all 500 sagas completed").atMost(BATCH_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                .until(() -> count("SELECT COUNT(*) FROM sagaflow.saga WHERE process_key = ? AND status = 'COMPLETED'",
                        processKey) == ITEMS);
        assertThat(count("SELECT COUNT(*) FROM sagaflow.audit_record WHERE action = 'incident.retry' AND outcome = 'DONE'"
                + " AND reason LIKE ?", "%" + id + "%")).as("one audit record per retried incident").isEqualTo(ITEMS);
        assertThat(count("SELECT COUNT(*) FROM sagaflow.audit_record WHERE action = 'bulk.incident.retry' AND target LIKE ?",
                "%" + id + "%")).isEqualTo(1);

        request.put("dryRun", true);
        assertThat(post(request, HttpStatus.OK).path("count").asInt()).as("after the repair the filter finds nothing").isZero();
    }

    @Test
    @DisplayName("500 FAILED outbox rows: one bulk requeue publishes each once, with progress; a second submission after it finds nothing")
    void bulkRequeueOf500FailedRows() throws Exception {
        String token = "bulk-test-" + UUID.randomUUID();
        String routingKey = "bulk-" + UUID.randomUUID();
        String queue = queues.bind("test.bulk-requeue", new DirectExchange(Topology.REPLIES_EXCHANGE), routingKey);
        List<String> messageIds = new ArrayList<>();
        Timestamp now = Timestamp.from(java.time.Instant.now());
        List<Object[]> rows = new ArrayList<>();
        for (int i = 0; i < ITEMS; i++) {
            String messageId = UUID.randomUUID().toString();
            messageIds.add(messageId);
            rows.add(new Object[] {messageId, Topology.REPLIES_EXCHANGE, routingKey, "{\"n\":" + i + "}", now,
                    "returned as unroutable: 312 NO_ROUTE (" + token + ")", now});
        }
        jdbc.batchUpdate("""
                INSERT INTO sagaflow.outbox_message (message_id, ordering_key, exchange, routing_key, message_type,
                    headers, payload, status, attempts, next_attempt_at, last_error, created_at)
                VALUES (?, NULL, ?, ?, 'bulk.test', '{}', ?, 'FAILED', 10, ?, ?, ?)
                """, rows);
        try {
            Map<String, Object> request = request("outbox.requeue", filter(null, null, token), null);
            JsonNode submitted = post(request, HttpStatus.ACCEPTED);
            JsonNode done = awaitDone(submitted.path("bulkRepairId").asText());
            assertThat(done.path("counts").path("DONE").asInt()).isEqualTo(ITEMS);

            List<String> received = new ArrayList<>();
            await("500 messages published").atMost(BATCH_TIMEOUT).until(() -> {
                org.springframework.amqp.core.Message message;
                while ((message = queues.receive(queue, Duration.ofMillis(100))) != null) {
                    received.add(message.getMessageProperties().getMessageId());
                }
                return received.size() >= ITEMS;
            });
            assertThat(received).as("each row published once").doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(messageIds);
            JsonNode second = post(request, HttpStatus.ACCEPTED);
            assertThat(second.path("total").asInt()).as("the same requeue submitted after it").isZero();
            assertThat(awaitDone(second.path("bulkRepairId").asText()).path("status").asText()).isEqualTo("DONE");
        } finally {
            jdbc.update("DELETE FROM sagaflow.outbox_message WHERE routing_key = ?", routingKey);
        }
    }

    @Test
    @DisplayName("an ended bulk repair cannot be cancelled; a filter field that does not apply, or an unknown action, is refused naming it; all in the OpenAPI document")
    void cancelAndBadRequests() throws Exception {
        api.assertProblem(api.rest().postForEntity("/api/bulk-repairs",
                request("incident.delete", filter(null, null, null), null), String.class), HttpStatus.BAD_REQUEST);
        Map<String, Object> parkedByStep = request("parked.replay", filter(null, "Task_ChargePayment", null), null);
        ResponseEntity<String> refused = api.rest().postForEntity("/api/bulk-repairs", parkedByStep, String.class);
        api.assertProblem(refused, HttpStatus.BAD_REQUEST);
        assertThat(refused.getBody()).contains("filter.step");
        ResponseEntity<String> noReason = api.rest().postForEntity("/api/bulk-repairs",
                request("saga.abort", filter("no-such-saga", null, null), null), String.class);
        api.assertProblem(noReason, HttpStatus.BAD_REQUEST);
        assertThat(noReason.getBody()).contains("reason");

        // Nothing matches, so it is DONE at once: cancelling an ended repair is a conflict.
        JsonNode empty = post(request("saga.abort", filter("no-such-saga", null, null), "test"), HttpStatus.ACCEPTED);
        api.assertProblem(api.rest().postForEntity("/api/bulk-repairs/{id}/cancel", null, String.class,
                empty.path("bulkRepairId").asText()), HttpStatus.CONFLICT);
        api.assertProblem(api.rest().getForEntity("/api/bulk-repairs/no-such-repair", String.class), HttpStatus.NOT_FOUND);

        JsonNode paths = api.readJson(api.rest().getForObject("/v3/api-docs", String.class)).path("paths");
        assertThat(paths.path("/api/bulk-repairs").has("post")).as("OpenAPI: submit").isTrue();
        assertThat(paths.path("/api/bulk-repairs/{id}").has("get")).as("OpenAPI: progress").isTrue();
        assertThat(paths.path("/api/bulk-repairs/{id}/cancel").has("post")).as("OpenAPI: cancel").isTrue();
    }

    private JsonNode awaitDone(String id) {
        await("bulk repair " + id + " done").atMost(BATCH_TIMEOUT).pollInterval(Duration.ofSeconds(1))
                .until(() -> "DONE".equals(progress(id).path("status").asText()));
        return progress(id);
    }

    private JsonNode progress(String id) {
        return api.readJson(api.rest().getForObject("/api/bulk-repairs/{id}", String.class, id));
    }

    private JsonNode post(Map<String, Object> request, HttpStatus expected) {
        ResponseEntity<String> response = api.rest().postForEntity("/api/bulk-repairs", request, String.class);
        assertThat(response.getStatusCode()).as(response.getBody()).isEqualTo(expected);
        return api.readJson(response.getBody());
    }

    private static Map<String, Object> request(String action, Map<String, Object> filter, String reason) {
        Map<String, Object> request = new LinkedHashMap<>();
        request.put("action", action);
        request.put("filter", filter);
        if (reason != null) {
            request.put("reason", reason);
        }
        return request;
    }

    private static Map<String, Object> filter(String processKey, String step, String errorText) {
        Map<String, Object> filter = new LinkedHashMap<>();
        filter.put("processKey", processKey);
        filter.put("step", step);
        filter.put("errorText", errorText);
        return filter;
    }

    private long count(String sql, Object... arguments) {
        Long count = jdbc.queryForObject(sql, Long.class, arguments);
        return count == null ? 0 : count;
    }

    private static Binding chargeRoute() {
        return BindingBuilder.bind(new Queue(Topology.participantQueue("payment")))
                .to(new TopicExchange(Topology.COMMANDS_EXCHANGE)).with("payment.charge");
    }

    /** A copy of the order saga under a fresh key, so the filter chooses this test's sagas only. */
    private String deployOrderCopy() throws Exception {
        return io.sagaflow.testing.ProcessCopies.deploy(repository, "order-fulfillment", "bulk-order-", Map.of());
    }
}
