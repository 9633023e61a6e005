package io.sagaflow.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * Turns the measured runs into the targets table (printed and written as Markdown), the JSON result
 * and the SVG plot in {@code docs/performance/}. Every figure comes from this run.
 */
final class BenchReport {

    record Target(String name, String measured, String goal, boolean met) {
    }

    private final BenchResults results;
    private final BenchSettings settings;

    BenchReport(BenchResults results) {
        this.results = results;
        this.settings = results.settings;
    }

    void write() throws IOException {
        Map<String, Double> headline = headline();
        List<Target> targets = targets(headline);
        String table = table(targets);
        System.out.println();
        System.out.println(table);
        Files.createDirectories(settings.output());
        Files.writeString(settings.output().resolve("benchmark.md"), table);
        Files.writeString(settings.output().resolve("benchmark.svg"), chart(headline));
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("finishedAt", Instant.now().toString());
        json.put("durationSeconds", Math.round(results.durationSeconds));
        json.put("quick", settings.quick());
        json.put("repeats", settings.repeats());
        json.put("hardware", hardware());
        json.put("settings", settingsMap());
        json.put("failedPhases", results.failedPhases);
        json.put("headline", headline);
        json.put("targets", targets);
        Map<String, Object> runs = new LinkedHashMap<>();
        runs.put("outboxFixedRate", results.outboxFixed);
        runs.put("outboxFullSpeed", results.outboxFull);
        runs.put("naiveFullSpeed", results.naiveFull);
        runs.put("pollingFixedRate", results.pollingFixed);
        runs.put("outboxStepLatencyRate", results.outboxStepRate);
        runs.put("pollingStepLatencyRate", results.pollingStepRate);
        runs.put("embeddedFixedRate", results.embeddedFixed);
        runs.put("embeddedFullSpeed", results.embeddedFull);
        runs.put("tripStraightFullSpeed", results.tripStraightFull);
        runs.put("tripParallelFullSpeed", results.tripParallelFull);
        runs.put("tripStraightLowRate", results.tripStraightLowRate);
        runs.put("tripParallelLowRate", results.tripParallelLowRate);
        runs.put("relayThroughput", results.relayThroughput);
        runs.put("relayWriteAndPublish", results.relayWriteAndPublish);
        runs.put("relayLatency", results.relayLatency);
        runs.put("perfTest", results.perfTest);
        runs.put("modulith", results.modulith);
        json.put("runs", runs);
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(settings.output().resolve("benchmark.json").toFile(), json);
        System.out.println("Wrote " + settings.output().resolve("benchmark.json") + ", benchmark.svg, benchmark.md");
    }

    private Map<String, Double> headline() {
        Map<String, Double> h = new LinkedHashMap<>();
        h.put("relayMessagesPerSecond", BenchResults.median(results.relayThroughput, RelayRun::messagesPerSecond));
        h.put("relayWriteAndPublishPerSecond", BenchResults.median(results.relayWriteAndPublish, RelayRun::messagesPerSecond));
        h.put("perfTestMessagesPerSecond", BenchResults.median(results.perfTest, RelayRun::messagesPerSecond));
        h.put("modulithMessagesPerSecond", BenchResults.median(results.modulith, RelayRun::messagesPerSecond));
        h.put("relayCommitToConfirmP50Ms", BenchResults.median(results.relayLatency, RelayRun::p50Ms));
        h.put("relayCommitToConfirmP95Ms", BenchResults.median(results.relayLatency, RelayRun::p95Ms));
        h.put("relayCommitToConfirmP99Ms", BenchResults.median(results.relayLatency, RelayRun::p99Ms));
        h.put("perfTestConfirmP50Ms", BenchResults.median(results.perfTest, RelayRun::p50Ms));
        h.put("outboxSagasPerSecond", BenchResults.median(results.outboxFull, SagaLoad.SagaRun::sagasPerSecond));
        h.put("naiveSagasPerSecond", BenchResults.median(results.naiveFull, SagaLoad.SagaRun::sagasPerSecond));
        h.put("embeddedSagasPerSecond", BenchResults.median(results.embeddedFull, SagaLoad.SagaRun::sagasPerSecond));
        h.put("outboxFullSpeedCpuCores", BenchResults.median(results.outboxFull, SagaLoad.SagaRun::cpuCores));
        h.put("outboxFixedP50Ms", BenchResults.median(results.outboxFixed, SagaLoad.SagaRun::p50Ms));
        h.put("outboxFixedP95Ms", BenchResults.median(results.outboxFixed, SagaLoad.SagaRun::p95Ms));
        h.put("outboxFixedP99Ms", BenchResults.median(results.outboxFixed, SagaLoad.SagaRun::p99Ms));
        h.put("outboxFixedStepP50Ms", BenchResults.median(results.outboxFixed, SagaLoad.SagaRun::stepP50Ms));
        h.put("outboxFixedStepP95Ms", BenchResults.median(results.outboxFixed, SagaLoad.SagaRun::stepP95Ms));
        h.put("outboxFixedCpuCores", BenchResults.median(results.outboxFixed, SagaLoad.SagaRun::cpuCores));
        h.put("outboxFixedMaxRssMb", BenchResults.median(results.outboxFixed, SagaLoad.SagaRun::maxRssMb));
        h.put("pollingFixedStepP50Ms", BenchResults.median(results.pollingFixed, SagaLoad.SagaRun::stepP50Ms));
        h.put("pollingFixedP99Ms", BenchResults.median(results.pollingFixed, SagaLoad.SagaRun::p99Ms));
        h.put("outboxLowRateStepP50Ms", BenchResults.median(results.outboxStepRate, SagaLoad.SagaRun::stepP50Ms));
        h.put("outboxLowRateP99Ms", BenchResults.median(results.outboxStepRate, SagaLoad.SagaRun::p99Ms));
        h.put("pollingLowRateStepP50Ms", BenchResults.median(results.pollingStepRate, SagaLoad.SagaRun::stepP50Ms));
        h.put("embeddedFixedP50Ms", BenchResults.median(results.embeddedFixed, SagaLoad.SagaRun::p50Ms));
        h.put("embeddedFixedP99Ms", BenchResults.median(results.embeddedFixed, SagaLoad.SagaRun::p99Ms));
        h.put("embeddedFixedStepP50Ms", BenchResults.median(results.embeddedFixed, SagaLoad.SagaRun::stepP50Ms));
        h.put("embeddedFixedMaxRssMb", BenchResults.median(results.embeddedFixed, SagaLoad.SagaRun::maxRssMb));
        h.put("tripStraightSagasPerSecond", BenchResults.median(results.tripStraightFull, SagaLoad.SagaRun::sagasPerSecond));
        h.put("tripParallelSagasPerSecond", BenchResults.median(results.tripParallelFull, SagaLoad.SagaRun::sagasPerSecond));
        h.put("tripStraightP50Ms", BenchResults.median(results.tripStraightFull, SagaLoad.SagaRun::p50Ms));
        h.put("tripParallelP50Ms", BenchResults.median(results.tripParallelFull, SagaLoad.SagaRun::p50Ms));
        h.put("tripStraightP99Ms", BenchResults.median(results.tripStraightFull, SagaLoad.SagaRun::p99Ms));
        h.put("tripParallelP99Ms", BenchResults.median(results.tripParallelFull, SagaLoad.SagaRun::p99Ms));
        h.put("tripStraightLowRateP50Ms", BenchResults.median(results.tripStraightLowRate, SagaLoad.SagaRun::p50Ms));
        h.put("tripParallelLowRateP50Ms", BenchResults.median(results.tripParallelLowRate, SagaLoad.SagaRun::p50Ms));
        h.put("tripStraightLowRateP99Ms", BenchResults.median(results.tripStraightLowRate, SagaLoad.SagaRun::p99Ms));
        h.put("tripParallelLowRateP99Ms", BenchResults.median(results.tripParallelLowRate, SagaLoad.SagaRun::p99Ms));
        for (String group : CpuBudget.GROUPS) {
            h.put("relayCpuMicrosPerMessage." + group, cpuMedian(results.relayThroughput, group));
            h.put("perfTestCpuMicrosPerMessage." + group, cpuMedian(results.perfTest, group));
            h.put("outboxSagaCpuMicros." + group, figureMedian(results.outboxFull, SagaLoad.SagaRun::cpuMicrosPerSaga, group));
            h.put("naiveSagaCpuMicros." + group, figureMedian(results.naiveFull, SagaLoad.SagaRun::cpuMicrosPerSaga, group));
            h.put("embeddedSagaCpuMicros." + group,
                    figureMedian(results.embeddedFull, SagaLoad.SagaRun::cpuMicrosPerSaga, group));
            h.put("tripStraightSagaCpuMicros." + group,
                    figureMedian(results.tripStraightFull, SagaLoad.SagaRun::cpuMicrosPerSaga, group));
            h.put("tripParallelSagaCpuMicros." + group,
                    figureMedian(results.tripParallelFull, SagaLoad.SagaRun::cpuMicrosPerSaga, group));
        }
        for (String figure : DatabaseWork.FIGURES) {
            h.put("outboxSagaDatabase." + figure, figureMedian(results.outboxFull, SagaLoad.SagaRun::databasePerSaga, figure));
            h.put("naiveSagaDatabase." + figure, figureMedian(results.naiveFull, SagaLoad.SagaRun::databasePerSaga, figure));
            h.put("tripStraightSagaDatabase." + figure,
                    figureMedian(results.tripStraightFull, SagaLoad.SagaRun::databasePerSaga, figure));
            h.put("tripParallelSagaDatabase." + figure,
                    figureMedian(results.tripParallelFull, SagaLoad.SagaRun::databasePerSaga, figure));
        }
        return h;
    }

    private static double cpuMedian(List<RelayRun> runs, String group) {
        return figureMedian(runs, RelayRun::cpuMicrosPerMessage, group);
    }

    private static <T> double figureMedian(List<T> runs, Function<T, Map<String, Double>> figures, String name) {
        return BenchResults.median(runs.stream().filter(run -> figures.apply(run) != null).toList(),
                run -> figures.apply(run).get(name));
    }

    private List<Target> targets(Map<String, Double> h) {
        int rate = settings.fixedRate();
        double relay = h.get("relayMessagesPerSecond");
        double perfTest = h.get("perfTestMessagesPerSecond");
        double modulith = h.get("modulithMessagesPerSecond");
        double relayWithWrites = h.get("relayWriteAndPublishPerSecond");
        double outbox = h.get("outboxSagasPerSecond");
        double naive = h.get("naiveSagasPerSecond");
        // Step latency is compared below capacity: near it, both sides measure the same queue.
        int lowRate = settings.stepLatencyRate();
        double step = h.get("outboxLowRateStepP50Ms");
        double pollingStep = h.get("pollingLowRateStepP50Ms");
        List<Target> targets = new ArrayList<>();
        targets.add(new Target("relay drain vs RabbitMQ PerfTest (confirmed msg/s)",
                f("%,.0f / %,.0f = %.0f %%", relay, perfTest, 100 * relay / perfTest), ">= 75 %", relay >= 0.75 * perfTest));
        targets.add(new Target("relay commit->confirm p50",
                f("%.1f ms (p99 %.1f ms)", h.get("relayCommitToConfirmP50Ms"), h.get("relayCommitToConfirmP99Ms")),
                "< 5 ms", h.get("relayCommitToConfirmP50Ms") < 5));
        targets.add(new Target("sagas/s outbox+inbox vs naive dual write",
                f("%.0f / %.0f = %.2f", outbox, naive, outbox / naive), ">= 0.85", outbox >= 0.85 * naive));
        targets.add(new Target("step p50 vs 1 s polling relay (at " + lowRate + "/s)",
                f("%.0f ms vs %.0f ms = 1/%.0f", step, pollingStep, pollingStep / step), "<= 1/20",
                step <= pollingStep / 20));
        targets.add(new Target("relay vs Spring Modulith registry (write + publish, msg/s)",
                f("%,.0f / %,.0f = %.1fx", relayWithWrites, modulith, relayWithWrites / modulith), ">= 2x",
                relayWithWrites >= 2 * modulith));
        targets.add(new Target("completed 3-step sagas/s, co-located",
                f("%.0f /s", outbox), ">= 200 /s", outbox >= 200));
        targets.add(new Target("end-to-end p99 at " + rate + " sagas/s",
                f("%.0f ms (p50 %.0f ms)", h.get("outboxFixedP99Ms"), h.get("outboxFixedP50Ms")), "< 250 ms",
                h.get("outboxFixedP99Ms") < 250));
        targets.add(new Target("service RSS at " + rate + " sagas/s",
                f("%.0f MB (CPU %.2f cores)", h.get("outboxFixedMaxRssMb"), h.get("outboxFixedCpuCores")), "<= 512 MB",
                h.get("outboxFixedMaxRssMb") <= 512));
        return targets;
    }

    private String table(List<Target> targets) {
        StringBuilder out = new StringBuilder();
        out.append(f("Targets (PostgreSQL + RabbitMQ, median of %d run(s)%s)%n%n", settings.repeats(),
                settings.quick() ? ", QUICK MODE" : ""));
        out.append("| target | measured | goal | result |\n|---|---|---|---|\n");
        for (Target target : targets) {
            out.append(f("| %s | %s | %s | %s |%n", target.name(), target.measured(), target.goal(),
                    target.met() ? "pass" : target.measured().contains("NaN") ? "n/a" : "**miss**"));
        }
        if (!results.failedPhases.isEmpty()) {
            out.append(f("%nPhases that failed (their figures are missing, n/a): %s%n", results.failedPhases));
        }
        Map<String, Double> h = headline();
        out.append(f("%nEmbedded mode (H2 + Qpid, same machine): %.0f sagas/s at full speed; at %d/s: "
                        + "p50 %.0f ms, p99 %.0f ms, step p50 %.0f ms, RSS %.0f MB.%n",
                h.get("embeddedSagasPerSecond"), settings.fixedRate(), h.get("embeddedFixedP50Ms"),
                h.get("embeddedFixedP99Ms"), h.get("embeddedFixedStepP50Ms"), h.get("embeddedFixedMaxRssMb")));
        out.append(f("%nCPU per confirmed message, microseconds (median; every process shares the %d cores):%n%n",
                Runtime.getRuntime().availableProcessors()));
        out.append("| | PostgreSQL | RabbitMQ | service | benchmark JVM / PerfTest | rest | machine busy | ceiling at 100 % CPU |\n");
        out.append("|---|---|---|---|---|---|---|---|\n");
        out.append(cpuRow("relay drain", "relayCpuMicrosPerMessage.", h));
        out.append(cpuRow("RabbitMQ PerfTest", "perfTestCpuMicrosPerMessage.", h));
        out.append(f("%nCPU per completed saga at full speed, milliseconds (median; in embedded mode the service "
                + "holds the database and the broker):%n%n"));
        out.append("| | PostgreSQL | RabbitMQ | service | benchmark JVM | rest | machine busy | ceiling at 100 % CPU |\n");
        out.append("|---|---|---|---|---|---|---|---|\n");
        out.append(sagaCpuRow("outbox + inbox saga", "outboxSagaCpuMicros.", h));
        out.append(sagaCpuRow("naive dual-write saga", "naiveSagaCpuMicros.", h));
        out.append(sagaCpuRow("embedded mode", "embeddedSagaCpuMicros.", h));
        out.append(sagaCpuRow("trip, one step after the other", "tripStraightSagaCpuMicros.", h));
        out.append(sagaCpuRow("trip, hotel and flight in parallel", "tripParallelSagaCpuMicros.", h));
        out.append(f("%nPostgreSQL's work per completed saga at full speed (median; statements and rows from "
                + "pg_stat_statements, WAL from pg_current_wal_lsn(), CPU from the postgres processes):%n%n"));
        out.append("| | statements | of them Camunda's | transactions | rows written | WAL kB | execution ms "
                + "| PostgreSQL CPU ms |\n|---|---|---|---|---|---|---|---|\n");
        out.append(databaseRow("outbox + inbox saga", "outbox", h));
        out.append(databaseRow("naive dual-write saga", "naive", h));
        out.append(databaseRow("trip, one step after the other", "tripStraight", h));
        out.append(databaseRow("trip, hotel and flight in parallel", "tripParallel", h));
        out.append(f("%nTrips at full speed (%d clients): one step after the other %.1f sagas/s, start->end p50 %.0f ms, "
                        + "p99 %.0f ms; hotel and flight in parallel %.1f sagas/s, p50 %.0f ms, p99 %.0f ms.%n",
                settings.fullSpeedClients(), h.get("tripStraightSagasPerSecond"), h.get("tripStraightP50Ms"),
                h.get("tripStraightP99Ms"), h.get("tripParallelSagasPerSecond"), h.get("tripParallelP50Ms"),
                h.get("tripParallelP99Ms")));
        out.append(f("%nTrips at %d sagas/s (below capacity): one step after the other start->end p50 %.0f ms, p99 %.0f ms; "
                        + "hotel and flight in parallel p50 %.0f ms, p99 %.0f ms.%n", settings.stepLatencyRate(),
                h.get("tripStraightLowRateP50Ms"), h.get("tripStraightLowRateP99Ms"), h.get("tripParallelLowRateP50Ms"),
                h.get("tripParallelLowRateP99Ms")));
        out.append(f("%nAt %d sagas/s (below capacity): end-to-end p99 %.0f ms, step p50 %.0f ms vs polling %.0f ms. "
                        + "At %d/s: step p50 %.0f ms vs polling %.0f ms (both include the queue in front of a busy CPU).%n",
                settings.stepLatencyRate(), h.get("outboxLowRateP99Ms"), h.get("outboxLowRateStepP50Ms"),
                h.get("pollingLowRateStepP50Ms"), settings.fixedRate(), h.get("outboxFixedStepP50Ms"),
                h.get("pollingFixedStepP50Ms")));
        return out.toString();
    }

    /** A row of CPU per unit of work by process, in microseconds or, for sagas, milliseconds. */
    private static String cpuRow(String name, String prefix, Map<String, Double> h) {
        return cpuRow(name, prefix, h, 1, "%.0f", "msg/s");
    }

    private static String sagaCpuRow(String name, String prefix, Map<String, Double> h) {
        return cpuRow(name, prefix, h, 1000, "%.1f", "sagas/s");
    }

    private static String cpuRow(String name, String prefix, Map<String, Double> h, double microsPerUnit,
                                 String format, String rate) {
        StringBuilder row = new StringBuilder("| " + name + " |");
        for (String group : CpuBudget.GROUPS) {
            // "rest" is a difference of tick counts read a moment apart and can come out a tick below
            // zero; printed as 0, not "-0".
            row.append(f(" " + format + " |", Math.max(0, h.get(prefix + group) / microsPerUnit)));
        }
        double ceiling = Runtime.getRuntime().availableProcessors() * 1e6 / h.get(prefix + CpuBudget.MACHINE_BUSY);
        return row.append(f(" %,.0f %s |%n", ceiling, rate)).toString();
    }

    private static String databaseRow(String name, String saga, Map<String, Double> h) {
        String prefix = saga + "SagaDatabase.";
        return f("| %s | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f | %.1f |%n", name, h.get(prefix + DatabaseWork.STATEMENTS),
                h.get(prefix + DatabaseWork.CAMUNDA_STATEMENTS), h.get(prefix + DatabaseWork.TRANSACTIONS),
                h.get(prefix + DatabaseWork.ROWS_WRITTEN), h.get(prefix + DatabaseWork.WAL_BYTES) / 1024,
                h.get(prefix + DatabaseWork.EXECUTION_MILLIS), sagaCpuMillis(h, saga, CpuBudget.POSTGRESQL));
    }

    private static double sagaCpuMillis(Map<String, Double> h, String saga, String group) {
        return h.get(saga + "SagaCpuMicros." + group) / 1000;
    }

    private String chart(Map<String, Double> h) {
        String ours = "#2b6cb0";
        String baseline = "#a0aec0";
        String embedded = "#38a169";
        String goal = "#e53e3e";
        int cores = Runtime.getRuntime().availableProcessors();
        return new SvgChart(f("Sagaflow benchmark, median of %d run(s), %d cores%s", settings.repeats(),
                cores, settings.quick() ? " (quick mode)" : ""))
                .panel("Relay: confirmed messages per second", "msg/s", List.of(
                        new SvgChart.Bar("RabbitMQ PerfTest (ceiling)", h.get("perfTestMessagesPerSecond"), baseline),
                        new SvgChart.Bar("Sagaflow relay, drain of a backlog", h.get("relayMessagesPerSecond"), ours),
                        new SvgChart.Bar("Sagaflow relay, write + publish", h.get("relayWriteAndPublishPerSecond"), ours),
                        new SvgChart.Bar("Spring Modulith registry", h.get("modulithMessagesPerSecond"), baseline)))
                .panel("Completed 3-step sagas per second, full speed", "sagas/s", List.of(
                        new SvgChart.Bar("naive dual write (PG + RabbitMQ)", h.get("naiveSagasPerSecond"), baseline),
                        new SvgChart.Bar("outbox + inbox (PG + RabbitMQ)", h.get("outboxSagasPerSecond"), ours),
                        new SvgChart.Bar("outbox + inbox (embedded)", h.get("embeddedSagasPerSecond"), embedded)))
                .panel(f("Step latency p50 at %d sagas/s", settings.stepLatencyRate()), "ms", List.of(
                        new SvgChart.Bar("polling relay, 1 s sweep", h.get("pollingLowRateStepP50Ms"), baseline),
                        new SvgChart.Bar("after-commit wake-up (PG + RabbitMQ)", h.get("outboxLowRateStepP50Ms"), ours),
                        new SvgChart.Bar(f("after-commit wake-up (embedded, at %d/s)", settings.fixedRate()),
                                h.get("embeddedFixedStepP50Ms"), embedded)))
                .panel(f("End-to-end saga latency at %d sagas/s", settings.fixedRate()), "ms", List.of(
                        new SvgChart.Bar("PG + RabbitMQ p50", h.get("outboxFixedP50Ms"), ours),
                        new SvgChart.Bar("PG + RabbitMQ p95", h.get("outboxFixedP95Ms"), ours),
                        new SvgChart.Bar("PG + RabbitMQ p99", h.get("outboxFixedP99Ms"), ours),
                        new SvgChart.Bar("embedded p50", h.get("embeddedFixedP50Ms"), embedded),
                        new SvgChart.Bar("embedded p99", h.get("embeddedFixedP99Ms"), embedded)))
                .panel("CPU per completed saga at full speed, whole machine", "ms", List.of(
                        new SvgChart.Bar("naive dual write (PG + RabbitMQ)", sagaCpuMillis(h, "naive", CpuBudget.MACHINE_BUSY), baseline),
                        new SvgChart.Bar("outbox + inbox (PG + RabbitMQ)", sagaCpuMillis(h, "outbox", CpuBudget.MACHINE_BUSY), ours),
                        new SvgChart.Bar("outbox + inbox (embedded)", sagaCpuMillis(h, "embedded", CpuBudget.MACHINE_BUSY), embedded),
                        new SvgChart.Bar(f("all 200 sagas/s allow on %d cores", cores), cores * 1000.0 / 200, goal)))
                .panel("CPU per completed saga, outbox + inbox on PG + RabbitMQ, by process", "ms", List.of(
                        new SvgChart.Bar("PostgreSQL", sagaCpuMillis(h, "outbox", CpuBudget.POSTGRESQL), ours),
                        new SvgChart.Bar("RabbitMQ", sagaCpuMillis(h, "outbox", CpuBudget.RABBITMQ), ours),
                        new SvgChart.Bar("service", sagaCpuMillis(h, "outbox", CpuBudget.SERVICE), ours),
                        new SvgChart.Bar("benchmark JVM (load)", sagaCpuMillis(h, "outbox", CpuBudget.LOAD), ours),
                        new SvgChart.Bar("rest of the machine", sagaCpuMillis(h, "outbox", CpuBudget.REST), ours)))
                .render();
    }

    private Map<String, Object> hardware() {
        Map<String, Object> hardware = new LinkedHashMap<>();
        hardware.put("processors", Runtime.getRuntime().availableProcessors());
        hardware.put("cpuModel", firstValue(Path.of("/proc/cpuinfo"), "model name"));
        hardware.put("memTotal", firstValue(Path.of("/proc/meminfo"), "MemTotal"));
        hardware.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        return hardware;
    }

    private Map<String, Object> settingsMap() {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("fixedRate", settings.fixedRate());
        map.put("fixedRateSeconds", settings.fixedRateDuration().toSeconds());
        map.put("fullSpeedSagas", settings.fullSpeedSagas());
        map.put("fullSpeedClients", settings.fullSpeedClients());
        map.put("relayMessages", settings.relayMessages());
        map.put("relayPerTransaction", settings.relayPerTransaction());
        map.put("payloadBytes", settings.payloadBytes());
        map.put("confirmWindow", settings.confirmWindow());
        map.put("latencyRate", settings.latencyRate());
        map.put("warmUpSagas", settings.warmUpSagas());
        map.put("stepLatencyRate", settings.stepLatencyRate());
        map.put("serviceJvmOptions", settings.serviceJvmOptions());
        map.put("embeddedJvmOptions", settings.embeddedJvmOptions());
        return map;
    }

    private static String firstValue(Path file, String key) {
        try {
            return Files.readAllLines(file).stream().filter(line -> line.startsWith(key))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }
}
