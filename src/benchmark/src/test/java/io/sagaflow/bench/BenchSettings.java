package io.sagaflow.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Knobs of a benchmark run, all system properties under {@code sagaflow.bench.*}. The defaults are
 * the benchmark's own database and vhost, so a run never shares queues or tables with other suites.
 */
record BenchSettings(
        boolean quick,
        String only,
        int repeats,
        Path jar,
        Path testClasses,
        Path output,
        String jdbcUrl,
        String jdbcUser,
        String jdbcPassword,
        String rabbitHost,
        int rabbitPort,
        String vhost,
        String serviceJvmOptions,
        List<String> serviceArguments,
        String embeddedJvmOptions,
        int fixedRate,
        Duration fixedRateDuration,
        int fullSpeedSagas,
        int fullSpeedClients,
        int relayMessages,
        int relayPerTransaction,
        int payloadBytes,
        int confirmWindow,
        int latencyRate,
        Duration latencyDuration,
        Duration perfTestDuration,
        int warmUpSagas,
        int stepLatencyRate) {

    /** The service image's options (Dockerfile, JAVA_TOOL_OPTIONS): the benchmark measures what ships. */
    static final String SERVICE_JVM_OPTIONS =
            "-Xms128m -Xmx256m -XX:+UseSerialGC -XX:ReservedCodeCacheSize=64m -XX:MaxMetaspaceSize=200m -Xss512k";

    /**
     * The embedded mode keeps its database in the heap: with history level full, about 50 KB per
     * saga (198 MB live after about 2,800 sagas). The phase runs over 5,000, so the image's 256 MB
     * ran into back-to-back full collections (0.7 s each) and steps past their deadlines. The same
     * options with room for the data; {@code mvn spring-boot:run} gives the JVM's default heap.
     */
    static final String EMBEDDED_JVM_OPTIONS = SERVICE_JVM_OPTIONS.replace("-Xmx256m", "-Xmx1g");

    static BenchSettings fromSystemProperties() {
        boolean quick = Boolean.getBoolean("sagaflow.bench.quick");
        return new BenchSettings(
                quick,
                System.getProperty("sagaflow.bench.only", ""),
                Integer.getInteger("sagaflow.bench.repeats", quick ? 1 : 3),
                Path.of(System.getProperty("sagaflow.bench.jar", "src/app/target/sagaflow-0.1.0-SNAPSHOT.jar")).toAbsolutePath(),
                Path.of(System.getProperty("sagaflow.bench.test-classes", "src/benchmark/target/test-classes")).toAbsolutePath(),
                Path.of(System.getProperty("sagaflow.bench.output", "docs/performance")).toAbsolutePath(),
                System.getProperty("sagaflow.bench.jdbc-url", "jdbc:postgresql://127.0.0.1:5432/sagaflow_bench"),
                System.getProperty("sagaflow.bench.jdbc-user", "postgres"),
                System.getProperty("sagaflow.bench.jdbc-password", ""),
                System.getProperty("sagaflow.bench.rabbit-host", "127.0.0.1"),
                Integer.getInteger("sagaflow.bench.rabbit-port", 5672),
                System.getProperty("sagaflow.bench.vhost", "sagaflow-bench"),
                System.getProperty("sagaflow.bench.service-jvm-options", SERVICE_JVM_OPTIONS),
                // Spring arguments for every service on PostgreSQL + RabbitMQ, comma-separated:
                // e.g. --sagaflow.outbox.retention=PT0S to measure another configuration.
                Arrays.stream(System.getProperty("sagaflow.bench.service-arguments", "").split(","))
                        .map(String::trim).filter(argument -> !argument.isEmpty()).toList(),
                System.getProperty("sagaflow.bench.embedded-jvm-options", EMBEDDED_JVM_OPTIONS),
                Integer.getInteger("sagaflow.bench.fixed-rate", 50),
                Duration.ofSeconds(Integer.getInteger("sagaflow.bench.fixed-rate-seconds", quick ? 8 : 15)),
                Integer.getInteger("sagaflow.bench.full-speed-sagas", quick ? 300 : 600),
                Integer.getInteger("sagaflow.bench.full-speed-clients", 16),
                Integer.getInteger("sagaflow.bench.relay-messages", quick ? 5000 : 20000),
                Integer.getInteger("sagaflow.bench.relay-per-transaction", 50),
                Integer.getInteger("sagaflow.bench.payload-bytes", 400),
                Integer.getInteger("sagaflow.bench.confirm-window", 200),
                Integer.getInteger("sagaflow.bench.latency-rate", 200),
                Duration.ofSeconds(Integer.getInteger("sagaflow.bench.latency-seconds", quick ? 4 : 10)),
                Duration.ofSeconds(Integer.getInteger("sagaflow.bench.perftest-seconds", quick ? 5 : 10)),
                Integer.getInteger("sagaflow.bench.warm-up-sagas", quick ? 100 : 600),
                Integer.getInteger("sagaflow.bench.step-latency-rate", 10));
    }

    /** The phase that measures Sagaflow on PostgreSQL + RabbitMQ: its sagas, its relay, or both. */
    static final String OUTBOX_PHASE = "outbox";

    /** The phases in the order a full run takes them ({@link #phaseOrder()}). */
    static final List<String> PHASES = List.of(OUTBOX_PHASE, "shapes", "perftest", "modulith", "naive", "polling",
            "embedded");

    /** Whether a phase runs: all of them unless {@code sagaflow.bench.only} names some (development). */
    boolean runs(String phase) {
        return only.isBlank() || listed().contains(phase);
    }

    /**
     * The phases to run, in order. {@code sagaflow.bench.only} gives the order and may repeat a
     * phase: {@code naive,sagas,sagas,naive} measures the naive saga and Sagaflow's twice each, in
     * an order that cancels a drift of the machine's speed and the first phase's colder benchmark
     * JVM (which cost the phase that ran first about a sixth more CPU per saga). {@code sagas} and
     * {@code relay} both name the outbox phase; {@code relay} adds it only where no {@code sagas}
     * is listed, since each outbox phase measures both.
     */
    List<String> phaseOrder() {
        if (only.isBlank()) {
            return PHASES;
        }
        boolean sagasListed = listed().contains("sagas");
        List<String> order = new java.util.ArrayList<>();
        for (String phase : listed()) {
            if (phase.equals("sagas") || (phase.equals("relay") && !sagasListed)) {
                order.add(OUTBOX_PHASE);
            } else if (PHASES.contains(phase) && !phase.equals(OUTBOX_PHASE)) {
                order.add(phase);
            }
        }
        return order;
    }

    private List<String> listed() {
        return Arrays.stream(only.split(",")).map(String::trim).toList();
    }

    String amqpUri() {
        return "amqp://guest:guest@" + rabbitHost + ":" + rabbitPort + "/" + vhost;
    }

    /** The PostgreSQL server's maintenance database, to create the benchmark's own. */
    String maintenanceJdbcUrl() {
        return jdbcUrl.substring(0, jdbcUrl.lastIndexOf('/') + 1) + "postgres";
    }

    String databaseName() {
        String tail = jdbcUrl.substring(jdbcUrl.lastIndexOf('/') + 1);
        int query = tail.indexOf('?');
        return query < 0 ? tail : tail.substring(0, query);
    }
}
