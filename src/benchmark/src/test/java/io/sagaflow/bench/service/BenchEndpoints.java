package io.sagaflow.bench.service;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.sagaflow.outbox.Outbox;
import io.sagaflow.outbox.OutboxMessage;
import io.sagaflow.outbox.OutboxProperties;
import io.sagaflow.outbox.OutboxRelay;
import io.sagaflow.outbox.OutboxRetention;
import org.springframework.context.annotation.Profile;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * What the benchmark needs inside the service JVM, and only there (profile {@code bench}, loaded
 * from outside the jar with {@code -Dloader.path}): commit outbox rows through the real
 * {@link Outbox}, so the relay is woken after commit exactly as for a saga step, and read the
 * timings of a run with the service's own DataSource, which works for H2 in memory as well.
 */
@RestController
@Profile("bench")
class BenchEndpoints {

    private final Outbox outbox;
    private final OutboxRelay relay;
    private final TransactionTemplate transactions;
    private final JdbcTemplate jdbc;
    private final OutboxRetention retention;
    private final OutboxProperties outboxProperties;

    BenchEndpoints(Outbox outbox, OutboxRelay relay, TransactionTemplate transactions, JdbcTemplate jdbc,
                   OutboxRetention retention, OutboxProperties outboxProperties) {
        this.outbox = outbox;
        this.relay = relay;
        this.transactions = transactions;
        this.jdbc = jdbc;
        this.retention = retention;
        this.outboxProperties = outboxProperties;
    }

    /** Whether the relay deletes rows on their confirm ({@code sagaflow.outbox.retention=0}): then no row has a sent_at. */
    @PostMapping("/api/bench/outbox/mode")
    Map<String, Object> outboxMode() {
        return Map.of("deleteOnConfirm", outboxProperties.retention().isZero());
    }

    /**
     * Deletes every SENT row now, as the scheduled retention does once they are old enough: part of
     * what a relayed message costs when the relay marks rows SENT.
     */
    @PostMapping("/api/bench/outbox/remove-sent")
    Map<String, Object> removeSentRows() {
        return Map.of("deleted", retention.deleteSentBefore(Instant.now().plusSeconds(1)));
    }

    /** @param hold write every row not yet due, then release them all at once (a drain measurement) */
    record OutboxLoad(String runId, int count, int perTransaction, int payloadBytes, int threads,
                      String exchange, String routingKey, boolean hold) {
    }

    /**
     * Appends {@code count} rows in transactions of {@code perTransaction}, from {@code threads} writers.
     * With {@code hold}, the rows wait until all are written and are then made due in one statement,
     * so the relay's drain rate is measured, not the writers' insert rate.
     */
    @PostMapping("/api/bench/outbox")
    Map<String, Object> appendRows(@RequestBody OutboxLoad load) throws Exception {
        String payload = "{\"pad\":\"" + "x".repeat(Math.max(0, load.payloadBytes() - 10)) + "\"}";
        int transactionsTotal = (load.count() + load.perTransaction() - 1) / load.perTransaction();
        ExecutorService writers = Executors.newFixedThreadPool(load.threads());
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < transactionsTotal; t++) {
                int first = t * load.perTransaction();
                int last = Math.min(load.count(), first + load.perTransaction());
                done.add(writers.submit(() -> transactions.executeWithoutResult(status -> {
                    for (int i = first; i < last; i++) {
                        if (load.hold()) {
                            outbox.append(message(load, i, payload), Instant.now().plus(Duration.ofHours(1)));
                        } else {
                            outbox.append(message(load, i, payload));
                        }
                    }
                })));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            writers.shutdown();
        }
        if (!load.hold()) {
            return Map.of("runId", load.runId(), "count", load.count());
        }
        Timestamp release = Timestamp.from(Instant.now());
        jdbc.update("UPDATE sagaflow.outbox_message SET next_attempt_at = ? WHERE message_id LIKE ?",
                release, load.runId() + "-%");
        relay.wakeUp();
        return Map.of("runId", load.runId(), "count", load.count(), "releasedAtMicros", micros(release));
    }

    private static OutboxMessage message(OutboxLoad load, int index, String payload) {
        String id = load.runId() + "-" + index;
        // The same six headers a saga command carries, so the row and the AMQP message have its size.
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("sagaflow-saga-id", load.runId());
        headers.put("sagaflow-business-key", id);
        headers.put("sagaflow-process-key", "bench");
        headers.put("sagaflow-step", "Task_Bench");
        headers.put("sagaflow-op", "ACTION");
        headers.put("sagaflow-attempt", "1");
        // No ordering key: these rows belong to no saga, like independent events.
        return OutboxMessage.to(load.exchange(), load.routingKey(), "bench.message", payload)
                .withId(id).correlatedWith(id).withHeaders(headers);
    }

    /** When the rows of a run were written (created_at, epoch microseconds), by message id. */
    @PostMapping("/api/bench/outbox/timings")
    Map<String, Long> outboxTimings(@RequestParam String runId) {
        Map<String, Long> created = new java.util.HashMap<>();
        jdbc.query("SELECT message_id, created_at FROM sagaflow.outbox_message WHERE message_id LIKE ?",
                (org.springframework.jdbc.core.RowCallbackHandler) rs -> created.put(rs.getString(1),
                        micros(rs.getTimestamp(2))), runId + "-%");
        return created;
    }

    record SagaTiming(String sagaId, long startMillis, long endMillis, Map<String, Long> stepMillis, String status) {
    }

    /**
     * Start and end of each saga from Camunda's history, its status from the saga registry, and each
     * forward step's duration from the transaction that sent its command to the reply that answered
     * it: from the step log ({@code sagaflow.saga_step}), or from Camunda's activity instances where
     * the step log has none (the naive baseline's steps) and the history level records them.
     */
    @PostMapping("/api/bench/sagas/timings")
    List<SagaTiming> sagaTimings(@RequestBody List<String> sagaIds) {
        List<SagaTiming> timings = new ArrayList<>();
        for (int from = 0; from < sagaIds.size(); from += 500) {
            List<String> chunk = sagaIds.subList(from, Math.min(sagaIds.size(), from + 500));
            String in = String.join(",", chunk.stream().map(id -> "?").toList());
            // Sagas first, then their steps: a saga read as ended has all its steps ended by the second query.
            List<Object[]> sagas = jdbc.query("SELECT p.PROC_INST_ID_, p.START_TIME_, p.END_TIME_, s.status "
                    + "FROM ACT_HI_PROCINST p LEFT JOIN sagaflow.saga s ON s.saga_id = p.PROC_INST_ID_ "
                    + "WHERE p.PROC_INST_ID_ IN (" + in + ")", (rs, n) -> new Object[] {rs.getString(1),
                    rs.getTimestamp(2).getTime(), rs.getTimestamp(3) == null ? 0L : rs.getTimestamp(3).getTime(),
                    rs.getString(4)}, chunk.toArray());
            Map<String, Map<String, Long>> steps = new LinkedHashMap<>();
            jdbc.query("SELECT saga_id, activity_id, sent_at, replied_at FROM sagaflow.saga_step "
                    + "WHERE op = 'ACTION' AND status = 'SUCCEEDED' AND saga_id IN (" + in + ") ORDER BY sent_at", rs -> {
                steps.computeIfAbsent(rs.getString(1), id -> new LinkedHashMap<>()).put(rs.getString(2),
                        rs.getTimestamp(4).getTime() - rs.getTimestamp(3).getTime());
            }, chunk.toArray());
            jdbc.query("SELECT PROC_INST_ID_, ACT_ID_, START_TIME_, END_TIME_ FROM ACT_HI_ACTINST "
                    + "WHERE ACT_ID_ LIKE 'Task_%' AND END_TIME_ IS NOT NULL AND PROC_INST_ID_ IN (" + in + ")", rs -> {
                steps.computeIfAbsent(rs.getString(1), id -> new LinkedHashMap<>()).putIfAbsent(rs.getString(2),
                        rs.getTimestamp(4).getTime() - rs.getTimestamp(3).getTime());
            }, chunk.toArray());
            for (Object[] saga : sagas) {
                timings.add(new SagaTiming((String) saga[0], (Long) saga[1], (Long) saga[2],
                        steps.getOrDefault((String) saga[0], Map.of()), (String) saga[3]));
            }
        }
        return timings;
    }

    /** Stock for the benchmark's SKU; works on H2 and PostgreSQL alike. */
    @PostMapping("/api/bench/stock")
    Map<String, Object> stock(@RequestParam String sku, @RequestParam long available) {
        transactions.executeWithoutResult(status -> {
            if (jdbc.update("UPDATE inventory.stock SET available = ?, reserved = 0 WHERE sku = ?", available, sku) == 0) {
                jdbc.update("INSERT INTO inventory.stock (sku, available, reserved) VALUES (?, ?, 0)", sku, available);
            }
        });
        return Map.of("sku", sku, "available", available);
    }

    private static long micros(Timestamp timestamp) {
        return timestamp == null ? 0 : timestamp.getTime() * 1000 + (timestamp.getNanos() / 1000) % 1000;
    }
}
