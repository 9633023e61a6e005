package io.sagaflow.bench;

import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Starts order sagas (POST /api/orders, three steps: inventory, payment, shipping), or trips
 * ({@link #trips}: POST /api/sagas/{key}, car, hotel and flight) at a fixed rate or as fast as a pool
 * of clients can, waits until every one has ended, and reads the timings from Camunda's history
 * through the service (start and end of each saga, each step's activity).
 */
final class SagaLoad {

    static final int SKUS = 8;
    static final String SKU_PREFIX = "BENCH-";
    private static final Duration STALL = Duration.ofSeconds(60);
    private static final Set<String> ORDER_STEPS = Set.of("Task_ReserveStock", "Task_ChargePayment",
            "Task_ScheduleShipment");
    private static final Set<String> TRIP_STEPS = Set.of("Task_ReserveCar", "Task_BookHotel", "Task_BookFlight");

    /**
     * One saga measurement; {@code cpuMicrosPerSaga} is what one completed saga cost each process
     * ({@link CpuBudget}, microseconds) and {@code databasePerSaga} what it cost PostgreSQL
     * ({@link DatabaseWork}), both measured at full speed only, else null.
     */
    record SagaRun(String label, int sagas, int notCompleted, double sagasPerSecond, double p50Ms, double p95Ms,
                   double p99Ms, double stepP50Ms, double stepP95Ms, Map<String, Double> stepP50ByStep,
                   double cpuCores, double maxRssMb, Map<String, Double> cpuMicrosPerSaga,
                   Map<String, Double> databasePerSaga) {

        SagaRun withCost(Map<String, Double> microsPerSaga, Map<String, Double> database) {
            return new SagaRun(label, sagas, notCompleted, sagasPerSecond, p50Ms, p95Ms, p99Ms, stepP50Ms, stepP95Ms,
                    stepP50ByStep, cpuCores, maxRssMb, microsPerSaga, database);
        }
    }

    /** {@code status} is the saga registry's (COMPLETED, COMPENSATED, ...), null where it has none. */
    record Timing(String sagaId, long startMillis, long endMillis, Map<String, Long> stepMillis, String status) {
    }

    private final ServiceJvm service;
    private final ObjectMapper json = new ObjectMapper();
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final AtomicInteger sequence = new AtomicInteger();
    /** Where a saga is started, and the steps a completed one has passed. */
    private final String path;
    private final Set<String> steps;
    private final java.util.function.IntFunction<String> body;
    /** The PostgreSQL the service runs on, to measure its work per saga; null in embedded mode. */
    private BenchSettings database;

    SagaLoad(ServiceJvm service) {
        this.service = service;
        this.path = "/api/orders";
        this.steps = ORDER_STEPS;
        this.body = n -> "{\"customerId\":\"bench-" + run + "-" + n + "\",\"sku\":\"" + SKU_PREFIX + (n % SKUS)
                + "\",\"quantity\":1,\"amount\":10.00,\"country\":\"DE\"}";
    }

    private SagaLoad(ServiceJvm service, String processKey) {
        this.service = service;
        this.path = "/api/sagas/" + processKey;
        this.steps = TRIP_STEPS;
        this.body = n -> "{\"tripId\":\"bench-" + processKey + "-" + run + "-" + n + "\",\"customerId\":\"bench-" + run
                + "\",\"city\":\"Lisbon\",\"days\":3,\"nights\":2,\"from\":\"BER\",\"to\":\"LIS\"}";
    }

    /** Trips of {@code processKey} (car, hotel, flight), started with the operator's credentials. */
    static SagaLoad trips(ServiceJvm service, String processKey) {
        return new SagaLoad(service, processKey);
    }

    /** Measures PostgreSQL's work per saga in every full-speed run ({@link DatabaseWork}). */
    SagaLoad onPostgres(BenchSettings settings) {
        this.database = settings;
        return this;
    }

    /** Enough stock on a few SKUs, so no saga is refused and no single row is the hot spot. */
    void createStock() {
        for (int i = 0; i < SKUS; i++) {
            service.post("/api/bench/stock?sku=" + SKU_PREFIX + i + "&available=1000000000", "{}");
        }
    }

    SagaRun fixedRate(String label, int perSecond, Duration duration) throws Exception {
        int total = (int) (perSecond * duration.toSeconds());
        List<CompletableFuture<HttpResponse<String>>> posts = Collections.synchronizedList(new ArrayList<>());
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();
        try (ProcSampler usage = new ProcSampler(service.pid())) {
            long periodNanos = 1_000_000_000L / perSecond;
            ticker.scheduleAtFixedRate(() -> {
                if (posts.size() < total) {
                    posts.add(service.postAsyncRetrying(path, order()));
                }
            }, 0, periodNanos, TimeUnit.NANOSECONDS);
            await(label + " posting").atMost(duration.plusSeconds(30)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> {
                        progress(label, posts.size(), total, -1);
                        return posts.size() >= total;
                    });
            ticker.shutdown();
            return finish(label, sagaIds(posts), usage);
        } finally {
            ticker.shutdownNow();
        }
    }

    SagaRun fullSpeed(String label, int total, int clients) throws Exception {
        List<CompletableFuture<HttpResponse<String>>> posts = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        // Every process's CPU until the last saga ended: what a saga costs the whole machine, and
        // so how many sagas per second its cores could complete at most.
        CpuBudget cpu = CpuBudget.start(service.pid());
        DatabaseWork databaseWork = database == null ? null : DatabaseWork.start(database);
        try (ProcSampler usage = new ProcSampler(service.pid())) {
            AtomicInteger left = new AtomicInteger(total);
            for (int c = 0; c < clients; c++) {
                pool.submit(() -> {
                    while (left.getAndDecrement() > 0) {
                        CompletableFuture<HttpResponse<String>> post = service.postAsyncRetrying(path, order());
                        posts.add(post);
                        post.join(); // one request in flight per client
                    }
                });
            }
            pool.shutdown();
            await(label + " posting").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> {
                        progress(label, posts.size(), total, -1);
                        return pool.isTerminated();
                    });
            SagaRun run = finish(label, sagaIds(posts), usage);
            Map<String, Double> cpuEach = cpu.microsEach(run.sagas());
            Map<String, Double> databaseEach = databaseWork == null ? null : databaseWork.perSaga(run.sagas(), label);
            if (databaseEach != null) {
                System.out.printf("  %-28s per saga: %s%n", label, databaseEach);
            }
            return run.withCost(cpuEach, databaseEach);
        } finally {
            pool.shutdownNow();
        }
    }

    private SagaRun finish(String label, List<String> sagaIds, ProcSampler usage) {
        // Shedding load would move the figures: say so when it happened (0 in a run at capacity).
        System.out.printf("  %-28s starts refused with 503 and sent again, this service so far: %d%n", label,
                service.refusals());
        Map<String, Timing> ended = new LinkedHashMap<>();
        Set<String> pending = new HashSet<>(sagaIds);
        long[] lastProgress = {System.nanoTime(), 0};
        await(label + " sagas ended").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    for (Timing timing : timings(List.copyOf(pending))) {
                        if (timing.endMillis() > 0) {
                            ended.put(timing.sagaId(), timing);
                            pending.remove(timing.sagaId());
                        }
                    }
                    progress(label, sagaIds.size(), sagaIds.size(), ended.size());
                    if (ended.size() > lastProgress[1]) {
                        lastProgress[0] = System.nanoTime();
                        lastProgress[1] = ended.size();
                    } else if (System.nanoTime() - lastProgress[0] > STALL.toNanos()) {
                        throw new IllegalStateException(label + ": no saga ended for " + STALL + ", "
                                + pending.size() + " still running; see the service log in target/benchmark");
                    }
                    return pending.isEmpty();
                });
        ProcSampler.Usage used = usage.usage();
        return summarize(label, List.copyOf(ended.values()), used, steps);
    }

    static SagaRun summarize(String label, List<Timing> timings, ProcSampler.Usage used) {
        return summarize(label, timings, used, ORDER_STEPS);
    }

    static SagaRun summarize(String label, List<Timing> timings, ProcSampler.Usage used, Set<String> stepIds) {
        long firstStart = timings.stream().mapToLong(Timing::startMillis).min().orElse(0);
        long lastEnd = timings.stream().mapToLong(Timing::endMillis).max().orElse(0);
        long[] endToEnd = timings.stream().mapToLong(t -> t.endMillis() - t.startMillis()).toArray();
        List<Long> steps = new ArrayList<>();
        Map<String, List<Long>> byStep = new LinkedHashMap<>();
        int notCompleted = 0;
        for (Timing timing : timings) {
            if (timing.status() != null ? !"COMPLETED".equals(timing.status())
                    : !timing.stepMillis().keySet().containsAll(stepIds)) {
                notCompleted++; // compensated or otherwise short of the three steps
            }
            timing.stepMillis().forEach((step, millis) -> {
                if (stepIds.contains(step)) {
                    steps.add(millis);
                    byStep.computeIfAbsent(step, s -> new ArrayList<>()).add(millis);
                }
            });
        }
        Map<String, Double> stepP50 = new LinkedHashMap<>();
        byStep.forEach((step, values) -> stepP50.put(step, Stats.percentile(values, 50)));
        double seconds = Math.max(1, lastEnd - firstStart) / 1000.0;
        return new SagaRun(label, timings.size(), notCompleted, timings.size() / seconds,
                Stats.percentile(endToEnd, 50), Stats.percentile(endToEnd, 95), Stats.percentile(endToEnd, 99),
                Stats.percentile(steps, 50), Stats.percentile(steps, 95), stepP50, used.cpuCores(), used.maxRssMb(),
                null, null);
    }

    private List<Timing> timings(List<String> sagaIds) throws Exception {
        return json.readValue(service.post("/api/bench/sagas/timings", json.writeValueAsString(sagaIds)),
                new TypeReference<List<Timing>>() { });
    }

    private List<String> sagaIds(List<CompletableFuture<HttpResponse<String>>> posts) throws Exception {
        List<String> ids = new ArrayList<>();
        synchronized (posts) {
            for (CompletableFuture<HttpResponse<String>> post : posts) {
                HttpResponse<String> response = post.get(60, TimeUnit.SECONDS);
                if (response.statusCode() != 202) {
                    throw new IllegalStateException("POST " + path + " answered " + response.statusCode() + ": "
                            + response.body());
                }
                ids.add(json.readTree(response.body()).get("sagaId").asText());
            }
        }
        return ids;
    }

    private String order() {
        return body.apply(sequence.incrementAndGet());
    }

    private static void progress(String label, int posted, int total, int ended) {
        System.out.printf("  %-28s posted %5d/%d%s%n", label, posted, total,
                ended < 0 ? "" : String.format(", ended %5d/%d", ended, total));
    }
}
