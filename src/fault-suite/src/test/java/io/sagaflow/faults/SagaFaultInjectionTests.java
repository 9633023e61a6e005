package io.sagaflow.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Fault injection on real PostgreSQL + RabbitMQ against the packaged service running as a separate
 * JVM. Skipped unless {@code -Dsagaflow.faults=true} (the Maven profile {@code fault-injection}
 * sets it and runs after {@code package}). See docs/reliability.md.
 *
 * <p>Knobs (system properties): {@code sagaflow.faults.sagas} (per scenario, default 150),
 * {@code sagaflow.faults.kills} (default 5), {@code sagaflow.faults.broker-outage-seconds} (default 20),
 * {@code sagaflow.faults.shapes} (trips and travel packages beside the orders of each crash scenario, default 20),
 * {@code sagaflow.faults.jar}, {@code sagaflow.faults.timeout-minutes} (default 10).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SagaFaultInjectionTests {

    private static final int SAGAS = Integer.getInteger("sagaflow.faults.sagas", 150);
    /** Trips and travel packages placed beside the orders of each crash scenario ({@link ShapeSagas}). */
    private static final int SHAPES = Integer.getInteger("sagaflow.faults.shapes", 20);
    private static final int KILLS = Integer.getInteger("sagaflow.faults.kills", 5);
    private static final int OUTAGE_SECONDS = Integer.getInteger("sagaflow.faults.broker-outage-seconds", 20);
    private static final Duration TERMINAL_TIMEOUT = Duration.ofMinutes(Integer.getInteger("sagaflow.faults.timeout-minutes", 10));
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(3);
    private static final int CLIENTS = 8;
    /** Sagas that get a compensation before their action (null compensation, then hanging action). */
    private static final int REORDERED_SAGAS = 10;
    private static final Path OUTPUT = Path.of("target", "fault-injection");

    private final List<ScenarioResult> results = new ArrayList<>();
    private ServiceProcess service;
    private ScheduledExecutorService scheduler;

    @BeforeAll
    void startService() throws IOException {
        assumeTrue(Boolean.getBoolean("sagaflow.faults"),
                "fault injection needs the packaged jar, PostgreSQL and RabbitMQ: run with -Pfault-injection");
        scheduler = Executors.newScheduledThreadPool(2);
        service = new ServiceProcess(Path.of(System.getProperty("sagaflow.faults.jar",
                "src/app/target/sagaflow-0.1.0-SNAPSHOT.jar")).toAbsolutePath(), OUTPUT);
        service.start();
        service.awaitUp(STARTUP_TIMEOUT);
    }

    @AfterAll
    void stopService() throws Exception {
        try {
            if (service != null) {
                service.stop();
            }
        } finally {
            if (scheduler != null) {
                scheduler.shutdownNow();
            }
        }
    }

    @Test
    @Order(1)
    void duplicatedAndReorderedMessagesChangeStateOnce() throws Exception {
        Instant start = Instant.now();
        FaultHarness harness = new FaultHarness(service, "dup");
        harness.createStock();
        ScheduledFuture<?> injector = scheduler.scheduleWithFixedDelay(() -> {
            try {
                harness.republishSent();
            } catch (Exception e) {
                harness.problems().add("injection failed: " + e);
            }
        }, 1, 2, TimeUnit.SECONDS);
        try {
            harness.place(FaultHarness.orders(0, SAGAS), CLIENTS, STARTUP_TIMEOUT);
            harness.awaitAllTerminal(TERMINAL_TIMEOUT);
        } finally {
            injector.cancel(false);
        }
        synchronized (this) {
            while (harness.republishSent() > 0) {
                // replies of the last steps become SENT after their sagas end: copy those too
            }
        }
        int reordered = harness.injectCompensationBeforeAction(REORDERED_SAGAS);
        boolean consumed = harness.awaitDuplicatesConsumed(Duration.ofMinutes(3));
        assertThat(consumed).as("every injected duplicate consumed").isTrue();
        ScenarioResult result = finish(harness, "duplicates+reordering", 0, start);
        assertThat(result.nullCompensations()).as("null compensations").isEqualTo(reordered).isPositive();
        assertThat(result.hanging()).as("hanging actions").isEqualTo(reordered);
    }

    @Test
    @Order(2)
    void brokerOutageLosesNothing() throws Exception {
        faultMidway("mq", "rabbitmq stop_app " + OUTAGE_SECONDS + "s", harness -> {
            Shell.run("rabbitmqctl", "stop_app");
            try {
                delay(Duration.ofSeconds(OUTAGE_SECONDS));
            } finally {
                Shell.run("rabbitmqctl", "start_app");
            }
            awaitBroker();
            System.out.printf("[faults] broker back after %d s; backlog of PENDING outbox rows: %d%n", OUTAGE_SECONDS,
                    harness.pendingOutboxRows());
        });
    }

    /** The broker's Erlang VM killed with SIGKILL: no clean shutdown, unconfirmed publishes and unacked deliveries in the air. */
    @Test
    @Order(3)
    void brokerNodeKillLosesNothing() throws Exception {
        faultMidway("mqkill", "rabbitmq node kill -9", harness -> {
            String pid = Shell.output("rabbitmqctl", "-q", "eval", "os:getpid().").strip().replace("\"", "");
            Shell.run("kill", "-9", pid);
            Shell.run("rabbitmq-server", "-detached");
            awaitBroker();
        });
    }

    @Test
    @Order(4)
    void databaseRestartLosesNothing() throws Exception {
        faultMidway("pg", "postgresql restart", harness ->
                Shell.run("pg_ctlcluster", "--skip-systemctl-redirect", postgresVersion(), "main", "restart"));
    }

    /** {@code pg_ctl stop -m immediate}: every backend killed, no checkpoint; the next start runs crash recovery. */
    @Test
    @Order(5)
    void databaseCrashLosesNothing() throws Exception {
        faultMidway("pgcrash", "postgresql crash (immediate)", harness -> {
            Shell.run("pg_ctlcluster", "--skip-systemctl-redirect", "-m", "immediate", postgresVersion(), "main", "stop");
            delay(Duration.ofSeconds(3));
            Shell.run("pg_ctlcluster", "--skip-systemctl-redirect", postgresVersion(), "main", "start");
        });
    }

    /** What a fault does; the scenario records when it began and when the fault's action returned. */
    @FunctionalInterface
    private interface Fault {
        void inject(FaultHarness harness) throws Exception;
    }

    /**
     * Half of the orders are placed, the fault strikes at a random moment while they run, the other
     * half is placed while or after it heals; then every saga must end as its order dictates.
     */
    private void faultMidway(String name, String scenario, Fault fault) throws Exception {
        Instant start = Instant.now();
        FaultHarness harness = new FaultHarness(service, name);
        harness.createStock();
        ShapeSagas shapes = new ShapeSagas(List.of(service), name);
        List<FaultHarness.Order> orders = FaultHarness.orders(0, SAGAS);
        int half = orders.size() / 2;
        CompletableFuture<Void> shapesPlaced = placeAsync(shapes);
        CompletableFuture<Void> firstHalf = placeAsync(harness, orders.subList(0, half));
        // A random moment while the first half is being placed and run.
        awaitAcknowledged(harness, FaultHarness.randomBetween(5, half / 2));
        Instant faultAt = Instant.now();
        CompletableFuture<Void> secondHalf = placeAsync(harness, orders.subList(half, orders.size()));
        fault.inject(harness);
        harness.recordFault(scenario, faultAt, Instant.now());
        firstHalf.get();
        secondHalf.get();
        shapesPlaced.get();
        harness.awaitAllTerminal(TERMINAL_TIMEOUT);
        checkShapes(harness, shapes);
        finish(harness, scenario, 0, start);
    }

    /** The trips and travel packages of the scenario ended as built, checked in the participants' tables. */
    private static void checkShapes(FaultHarness harness, ShapeSagas shapes) throws Exception {
        if (!shapes.awaitAllEnded(TERMINAL_TIMEOUT)) {
            harness.problems().add("trips and travel packages not ended within " + TERMINAL_TIMEOUT);
        }
        harness.problems().addAll(shapes.verify());
    }

    private CompletableFuture<Void> placeAsync(ShapeSagas shapes) {
        return CompletableFuture.runAsync(() -> {
            try {
                shapes.place(SHAPES, STARTUP_TIMEOUT);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static void awaitAcknowledged(FaultHarness harness, int starts) {
        await(starts + " starts acknowledged").atMost(STARTUP_TIMEOUT).pollInterval(Duration.ofMillis(10))
                .until(() -> harness.acknowledged() >= starts);
    }

    private static void awaitBroker() {
        await("RabbitMQ answers").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500))
                .until(() -> Shell.quietly("rabbitmq-diagnostics", "-q", "check_port_connectivity"));
    }

    private static String postgresVersion() throws IOException {
        try (Stream<Path> versions = Files.list(Path.of("/etc/postgresql"))) {
            return versions.map(p -> p.getFileName().toString()).sorted().reduce((a, b) -> b).orElseThrow();
        }
    }

    @Test
    @Order(6)
    void sigkillOfTheServiceLosesNothing() throws Exception {
        Instant start = Instant.now();
        FaultHarness harness = new FaultHarness(service, "kill");
        harness.createStock();
        ShapeSagas shapes = new ShapeSagas(List.of(service), "kill");
        CompletableFuture<Void> shapesPlaced = placeAsync(shapes);
        List<FaultHarness.Order> orders = FaultHarness.orders(0, SAGAS);
        int waves = KILLS + 1;
        int perWave = (orders.size() + waves - 1) / waves;
        int kills = 0;
        for (int wave = 0; wave < waves; wave++) {
            List<FaultHarness.Order> batch = orders.subList(Math.min(wave * perWave, orders.size()),
                    Math.min((wave + 1) * perWave, orders.size()));
            CompletableFuture<Void> placing = placeAsync(harness, batch);
            if (wave < KILLS) {
                // A random moment while this wave is being placed: some of its sagas run, others
                // are still being requested (a kill when all was done would prove nothing).
                awaitAcknowledged(harness, wave * perWave + FaultHarness.randomBetween(1, batch.size() / 2));
                Instant killedAt = Instant.now();
                long pid = service.kill9();
                kills++;
                System.out.printf("[faults] kill -9 %d (%d of %d)%n", pid, kills, KILLS);
                service.start();
                service.awaitUp(STARTUP_TIMEOUT);
                harness.recordFault("kill -9 #" + kills, killedAt, Instant.now());
            }
            placing.get();
        }
        shapesPlaced.get();
        harness.awaitAllTerminal(TERMINAL_TIMEOUT);
        checkShapes(harness, shapes);
        finish(harness, "sigkill x" + kills, kills, start);
        assertThat(kills).isGreaterThanOrEqualTo(5);
    }

    /**
     * New versions of the three sagas deployed over engine-rest while at least 200 orders are in
     * flight, held 20 s by their shipping step, their compensations held as long: every saga ends as
     * its order dictates on the version it started on, and orders placed after the deployment start
     * on the new one.
     */
    @Test
    @Order(7)
    void deployingNewVersionsWhileSagasRunChangesNothingForThem() throws Exception {
        Instant start = Instant.now();
        FaultHarness harness = new FaultHarness(service, "deploy")
                .withSimulation(List.of("shipping.schedule:delay=PT20S", "inventory.release:delay=PT20S"));
        harness.createStock();
        List<FaultHarness.Order> orders = FaultHarness.orders(0, DEPLOY_SAGAS);
        harness.place(orders, CLIENTS, STARTUP_TIMEOUT);
        int version = latestVersion("order-fulfillment");
        Instant deployedAt = Instant.now();
        long inFlight = runningSince(start);
        long compensating = compensatingSince(start);
        int newVersion = deployNewVersions(service);
        harness.recordFault("new versions of order-fulfillment, trip-booking and travel-package deployed",
                deployedAt, Instant.now());
        System.out.printf("[faults] deployed version %d of order-fulfillment with %d sagas in flight, %d compensating%n",
                newVersion, inFlight, compensating);
        List<FaultHarness.Order> after = FaultHarness.orders(DEPLOY_SAGAS, 10);
        harness.place(after, CLIENTS, STARTUP_TIMEOUT);
        harness.awaitAllTerminal(TERMINAL_TIMEOUT);
        finish(harness, "deploy a new version mid-run", 0, start);

        assertThat(newVersion).isEqualTo(version + 1);
        assertThat(inFlight).as("sagas in flight when the new versions were deployed").isGreaterThanOrEqualTo(200);
        assertThat(compensating).as("sagas compensating when they were deployed").isPositive();
        assertThat(versionsStartedSince(start, deployedAt, true)).as("versions of the sagas started before")
                .containsOnly(version);
        assertThat(versionsStartedSince(start, deployedAt, false)).as("versions of the sagas started after")
                .containsOnly(newVersion).hasSize(after.size());
    }

    private static final int DEPLOY_SAGAS = Integer.getInteger("sagaflow.faults.deploy-sagas", 240);

    /** Deploys every saga of processes/ again with other deadlines, as an operator would over engine-rest. */
    private static int deployNewVersions(ServiceProcess service) throws Exception {
        String boundary = "sagaflow-" + java.util.UUID.randomUUID();
        StringBuilder body = new StringBuilder();
        body.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"deployment-name\"\r\n\r\n")
                .append("fault-suite-new-versions\r\n");
        for (String file : List.of("order-fulfillment.bpmn", "trip-booking.bpmn", "travel-package.bpmn")) {
            String model = Files.readString(Path.of("processes", file)).replace(
                    "<camunda:inputParameter name=\"deadline\">PT30S</camunda:inputParameter>",
                    "<camunda:inputParameter name=\"deadline\">PT45S</camunda:inputParameter>");
            body.append("--").append(boundary).append("\r\nContent-Disposition: form-data; name=\"").append(file)
                    .append("\"; filename=\"").append(file).append("\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                    .append(model).append("\r\n");
        }
        body.append("--").append(boundary).append("--\r\n");
        java.net.http.HttpResponse<String> response = java.net.http.HttpClient.newHttpClient().send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(service.baseUrl() + "/engine-rest/deployment/create"))
                        .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString(
                                (ServiceProcess.ADMIN_USER + ":" + ServiceProcess.ADMIN_PASSWORD).getBytes(StandardCharsets.UTF_8)))
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(body.toString())).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("deployment answered %s", response.body()).isEqualTo(200);
        return latestVersion("order-fulfillment");
    }

    private static int latestVersion(String processKey) throws Exception {
        try (java.sql.Connection db = FaultHarness.connect(); java.sql.PreparedStatement query = db.prepareStatement(
                "SELECT MAX(VERSION_) FROM ACT_RE_PROCDEF WHERE KEY_ = ?")) {
            query.setString(1, processKey);
            try (java.sql.ResultSet rs = query.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private static long runningSince(Instant start) throws Exception {
        return count("SELECT COUNT(*) FROM sagaflow.saga WHERE process_key = 'order-fulfillment' AND started_at >= ? "
                + "AND ended_at IS NULL", start);
    }

    private static long compensatingSince(Instant start) throws Exception {
        return count("SELECT COUNT(DISTINCT st.saga_id) FROM sagaflow.saga_step st JOIN sagaflow.saga s "
                + "ON s.saga_id = st.saga_id WHERE s.started_at >= ? AND st.op = 'COMPENSATION' "
                + "AND st.status IN ('QUEUED', 'WAITING')", start);
    }

    private static long count(String sql, Instant since) throws Exception {
        try (java.sql.Connection db = FaultHarness.connect(); java.sql.PreparedStatement query = db.prepareStatement(sql)) {
            query.setTimestamp(1, java.sql.Timestamp.from(since));
            try (java.sql.ResultSet rs = query.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** The definition versions of the order sagas started since {@code start}, before or after {@code deployedAt}. */
    private static List<Integer> versionsStartedSince(Instant start, Instant deployedAt, boolean before) throws Exception {
        try (java.sql.Connection db = FaultHarness.connect(); java.sql.PreparedStatement query = db.prepareStatement(
                "SELECT definition_version FROM sagaflow.saga WHERE process_key = 'order-fulfillment' "
                        + "AND started_at >= ? AND started_at " + (before ? "<" : ">=") + " ?")) {
            query.setTimestamp(1, java.sql.Timestamp.from(start));
            query.setTimestamp(2, java.sql.Timestamp.from(deployedAt));
            List<Integer> versions = new ArrayList<>();
            try (java.sql.ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    versions.add(rs.getInt(1));
                }
            }
            return versions;
        }
    }

    private ScenarioResult finish(FaultHarness harness, String scenario, int kills, Instant start) throws Exception {
        ScenarioResult result = harness.verify(scenario, kills, Duration.between(start, Instant.now()));
        results.add(result);
        writeSummary();
        harness.problems().stream().limit(50).forEach(problem -> System.out.println("[faults] PROBLEM " + problem));
        assertThat(result.lost()).as("lost").isZero();
        assertThat(result.doubleEffects()).as("double effects").isZero();
        assertThat(result.completed() + result.compensated()).as("terminal sagas").isEqualTo(result.sagas());
        assertThat(result.sagas()).as("sagas").isGreaterThanOrEqualTo(SAGAS);
        assertThat(harness.problems()).as("problems").isEmpty();
        return result;
    }

    private void writeSummary() throws IOException {
        StringBuilder text = new StringBuilder(ScenarioResult.HEADER).append('\n');
        results.forEach(result -> text.append(result.line()).append('\n'));
        Files.createDirectories(OUTPUT);
        Files.writeString(OUTPUT.resolve("summary.txt"), text, StandardCharsets.UTF_8);
        System.out.print("[faults] summary\n" + text);
    }

    private CompletableFuture<Void> placeAsync(FaultHarness harness, List<FaultHarness.Order> orders) {
        return CompletableFuture.runAsync(() -> {
            try {
                harness.place(orders, CLIENTS, STARTUP_TIMEOUT);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    /** A fault at a random moment; waiting for a condition always goes through Awaitility instead. */
    private void delay(Duration duration) throws Exception {
        scheduler.schedule(() -> null, duration.toMillis(), TimeUnit.MILLISECONDS).get();
    }
}
