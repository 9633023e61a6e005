package io.sagaflow.bench;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Commits outbox rows through the service's own {@code Outbox.append} (so the after-commit wake-up
 * works as in production): the drain rate from the release of a backlog to its last delivery, and,
 * from each row's created_at and its delivery to the benchmark's consumer, throughput from the first
 * write to the last delivery and commit-to-delivery latency at a modest, paced rate. A relay that
 * deletes rows on their confirm ({@code sagaflow.outbox.retention=0}) leaves no created_at to read:
 * then the other two runs still publish (the same work, so the service is as warm) but only the
 * drain has figures.
 */
final class RelayLoad {

    private final ServiceJvm service;
    private final BenchSettings settings;
    private final BenchBroker broker;
    private final ObjectMapper json = new ObjectMapper();
    private final boolean deleteOnConfirm;

    RelayLoad(ServiceJvm service, BenchSettings settings, BenchBroker broker) throws Exception {
        this.service = service;
        this.settings = settings;
        this.broker = broker;
        this.deleteOnConfirm = json.readTree(service.post("/api/bench/outbox/mode", "")).get("deleteOnConfirm")
                .asBoolean();
    }

    /** Whether rows are kept after their confirm: the write+publish and latency figures read their created_at. */
    boolean keepsSentRows() {
        return !deleteOnConfirm;
    }

    /**
     * A backlog of rows committed by 4 writers in transactions of {@code relayPerTransaction}, held
     * until all are written and then released at once: rows / (last delivery − release) is the
     * relay's own drain rate, not the writers' insert rate. The CPU window runs from the release to
     * the poll that saw the last delivery, and then on over the delete of the rows the drain marked
     * SENT, which every kept row costs once its retention ends (nothing is left to delete when the
     * relay deletes on confirm). SENT rows of the runs before are deleted before the window opens.
     */
    RelayRun throughput(String label) throws Exception {
        String runId = "bench-" + UUID.randomUUID();
        service.post("/api/bench/outbox/remove-sent", "");
        String answer = service.post("/api/bench/outbox",
                load(runId, settings.relayMessages(), settings.relayPerTransaction(), 4, true));
        long releasedAtMicros = json.readTree(answer).get("releasedAtMicros").asLong();
        CpuBudget cpu = CpuBudget.start(service.pid()); // the drain has just begun
        long lastDeliveryMicros = broker.awaitArrivals(label, runId, settings.relayMessages());
        Map<String, Double> drainOnly = cpu.microsEach(settings.relayMessages());
        int removed = json.readTree(service.post("/api/bench/outbox/remove-sent", "")).get("deleted").asInt();
        Map<String, Double> withRemoval = cpu.microsEach(settings.relayMessages());
        System.out.printf("  %-28s machine CPU %.1f µs/msg (drain alone %.1f; %d SENT rows deleted after it)%n", label,
                withRemoval.get(CpuBudget.MACHINE_BUSY), drainOnly.get(CpuBudget.MACHINE_BUSY), removed);
        return RelayRun.drained(label, settings.relayMessages(), releasedAtMicros, lastDeliveryMicros)
                .withCpu(withRemoval);
    }

    /**
     * The same burst, published while it is being written (no hold), from the first write to the
     * last confirm: how the Spring Modulith peer is measured too, so the two compare like for like.
     */
    RelayRun writeAndPublish(String label) throws Exception {
        String runId = "bench-" + UUID.randomUUID();
        service.post("/api/bench/outbox", load(runId, settings.relayMessages(), settings.relayPerTransaction(), 4, false));
        if (deleteOnConfirm) {
            broker.awaitArrivals(label, runId, settings.relayMessages());
            return unmeasured(label, settings.relayMessages());
        }
        return RelayRun.of(label, awaitConfirmed(label, runId, settings.relayMessages()), false);
    }

    /** One row per transaction at {@code latencyRate} per second: no backlog, so latency is the relay's own. */
    RelayRun latency(String label) throws Exception {
        String runId = "bench-" + UUID.randomUUID();
        int total = (int) (settings.latencyRate() * settings.latencyDuration().toSeconds());
        AtomicInteger index = new AtomicInteger();
        List<CompletableFuture<?>> posts = new ArrayList<>();
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        try {
            ticker.scheduleAtFixedRate(() -> {
                int i = index.getAndIncrement();
                if (i < total) {
                    posts.add(service.postAsync("/api/bench/outbox", load(runId + "-" + i, 1, 1, 1, false)));
                }
            }, 0, 1_000_000_000L / settings.latencyRate(), TimeUnit.NANOSECONDS);
            await(label + " writing").atMost(settings.latencyDuration().plusSeconds(30))
                    .pollInterval(Duration.ofMillis(500)).until(() -> index.get() >= total);
        } finally {
            ticker.shutdown();
            ticker.awaitTermination(10, TimeUnit.SECONDS);
        }
        CompletableFuture.allOf(posts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        if (deleteOnConfirm) {
            broker.awaitArrivals(label, runId, total); // the run's message ids all begin with runId
            return unmeasured(label, total);
        }
        return RelayRun.of(label, awaitConfirmed(label, runId, total), true);
    }

    /**
     * Without the rows the run still does its work, so the service is as warm as with it (the drains
     * after it would otherwise run on a JVM that compiled less), but has no figures.
     */
    private static RelayRun unmeasured(String label, int messages) {
        return new RelayRun(label, messages, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }

    private String load(String runId, int count, int perTransaction, int threads, boolean hold) {
        try {
            return json.writeValueAsString(Map.of("runId", runId, "count", count, "perTransaction", perTransaction,
                    "payloadBytes", settings.payloadBytes(), "threads", threads,
                    "exchange", BenchBroker.EXCHANGE, "routingKey", BenchBroker.ROUTING_KEY, "hold", hold));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * [written, delivered] per row, epoch microseconds: the row's created_at, and when the benchmark's
     * consumer received its message. The relay commits a row SENT only after the broker's confirm,
     * but its sent_at is the claim's time (the claim marks it), so the delivery stands in for the
     * confirm: an auto-acked delivery is confirmed as it is delivered.
     */
    private long[][] awaitConfirmed(String label, String runId, int expected) throws Exception {
        broker.awaitArrivals(label, runId, expected);
        Map<String, Long> delivered = broker.arrivalTimes(runId);
        Map<String, Long> written = json.readValue(service.post("/api/bench/outbox/timings?runId=" + runId, ""),
                new com.fasterxml.jackson.core.type.TypeReference<Map<String, Long>>() { });
        long[][] rows = new long[written.size()][];
        int i = 0;
        for (Map.Entry<String, Long> row : written.entrySet()) {
            Long arrived = delivered.get(row.getKey());
            if (arrived == null) {
                throw new IllegalStateException(label + ": row " + row.getKey() + " written but never delivered");
            }
            rows[i++] = new long[] {row.getValue(), arrived};
        }
        if (rows.length != expected) {
            throw new IllegalStateException(label + ": " + rows.length + " rows of " + expected + " found");
        }
        return rows;
    }
}
