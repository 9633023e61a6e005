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
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.TestInstance;

/**
 * Two instances of the packaged service, separate JVMs on different ports, one PostgreSQL database
 * and one RabbitMQ virtual host with quorum queues. Sagas are placed through both REST APIs; one
 * instance is killed with SIGKILL mid-run and not restarted. Every saga must end, the invariants
 * must hold, and the survivor must have finished what the dead one left (docs/deployment.md).
 *
 * <p>Runs with the fault-injection profile ({@code mvn -B verify -Pfault-injection}). Knobs:
 * {@code sagaflow.cluster.sagas} (default 300), {@code sagaflow.faults.timeout-minutes}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SagaClusterTests {

    private static final int SAGAS = Integer.getInteger("sagaflow.cluster.sagas", 300);
    private static final Duration TERMINAL_TIMEOUT = Duration.ofMinutes(Integer.getInteger("sagaflow.faults.timeout-minutes", 10));
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(3);
    private static final String VIRTUAL_HOST = "sagaflow-cluster";
    private static final int CLIENTS = 8;
    /** Orders each sent to both instances at the same moment. */
    private static final int SAME_KEY_ORDERS = 40;
    private static final Path OUTPUT = Path.of("target", "cluster");

    private ServiceProcess survivor;
    private ServiceProcess victim;

    @BeforeAll
    void startTwoInstances() throws IOException {
        assumeTrue(Boolean.getBoolean("sagaflow.faults"),
                "the cluster test needs the packaged jar, PostgreSQL and RabbitMQ: run with -Pfault-injection");
        // A virtual host of its own, created afresh: the queues are quorum queues, and a queue's type
        // cannot change, so they must not meet the classic queues other suites declared in "/".
        Shell.attempt("rabbitmqctl", "delete_vhost", VIRTUAL_HOST); // absent on a new machine
        Shell.run("rabbitmqctl", "add_vhost", VIRTUAL_HOST);
        Shell.run("rabbitmqctl", "set_permissions", "-p", VIRTUAL_HOST, "guest", ".*", ".*", ".*");
        Path jar = Path.of(System.getProperty("sagaflow.faults.jar", "src/app/target/sagaflow-0.1.0-SNAPSHOT.jar")).toAbsolutePath();
        List<String> arguments = List.of("--spring.rabbitmq.virtual-host=" + VIRTUAL_HOST,
                "--sagaflow.messaging.queue-type=quorum");
        // -Dsagaflow.cluster.sabotage=instance-affinity: a survivor that cannot take over (the check must fail).
        String sabotage = System.getProperty("sagaflow.cluster.sabotage", "");
        survivor = sabotage.isBlank() ? new ServiceProcess("instance-a", jar, OUTPUT, arguments)
                : ServiceProcess.sabotaged(sabotage, "instance-a", jar, OUTPUT, arguments);
        victim = new ServiceProcess("instance-b", jar, OUTPUT, arguments);
        // One after the other: the first start creates queues and deploys the BPMN; the second finds them.
        survivor.start();
        survivor.awaitUp(STARTUP_TIMEOUT);
        victim.start();
        victim.awaitUp(STARTUP_TIMEOUT);
    }

    @AfterAll
    void stopInstances() {
        for (ServiceProcess instance : new ServiceProcess[] {survivor, victim}) {
            if (instance != null) {
                instance.stop();
            }
        }
    }

    /** The queues the instances declared are quorum queues, as configured: read from the broker itself. */
    @Test
    @Order(0)
    void queuesAreQuorumQueues() {
        String listing = Shell.output("rabbitmqctl", "-q", "list_queues", "-p", VIRTUAL_HOST, "name", "type");
        Map<String, String> typeByQueue = listing.lines().map(String::trim).filter(line -> !line.isEmpty())
                .map(line -> line.split("\\s+")).filter(parts -> parts.length == 2)
                .collect(java.util.stream.Collectors.toMap(parts -> parts[0], parts -> parts[1], (a, b) -> a));
        System.out.printf("[cluster] queue types: %s%n", typeByQueue);

        assertThat(typeByQueue).as("queues of vhost %s", VIRTUAL_HOST)
                .containsEntry("sagaflow.orchestrator.replies", "quorum")
                .containsEntry("sagaflow.participant.inventory", "quorum")
                .containsEntry("sagaflow.participant.payment", "quorum")
                .containsEntry("sagaflow.participant.shipping", "quorum");
    }

    @Test
    @Order(1)
    void oneOrderSentToBothInstancesAtOnceStartsOneSaga() throws Exception {
        Instant start = Instant.now();
        FaultHarness harness = new FaultHarness(List.of(survivor, victim), "same-key").onVirtualHost(VIRTUAL_HOST);
        harness.createStock();

        harness.placeEverywhereAtOnce(FaultHarness.orders(0, SAME_KEY_ORDERS));
        boolean allEnded = harness.awaitAllTerminal(TERMINAL_TIMEOUT);
        ScenarioResult result = harness.verify("same key on 2 instances", 0, Duration.between(start, Instant.now()));
        System.out.printf("[cluster] same order sent to both instances at once%n%s%n%s%n", ScenarioResult.HEADER,
                result.line());
        harness.problems().stream().limit(50).forEach(problem -> System.out.println("[cluster] PROBLEM " + problem));

        assertThat(harness.problems()).as("problems").isEmpty();
        assertThat(allEnded).as("every saga reached a terminal state").isTrue();
        assertThat(result.sagas()).as("one saga per order").isEqualTo(SAME_KEY_ORDERS);
        assertThat(result.doubleEffects()).as("double effects").isZero();
        assertThat(result.lost()).as("lost").isZero();
    }

    @Test
    @Order(2)
    void survivorFinishesEverySagaAfterTheOtherInstanceIsKilled() throws Exception {
        Instant start = Instant.now();
        FaultHarness harness = new FaultHarness(List.of(survivor, victim), "cluster").onVirtualHost(VIRTUAL_HOST);
        harness.createStock();
        CompletableFuture<Void> placing = placeAsync(harness, FaultHarness.orders(0, SAGAS));

        // Mid-run: once about half the sagas were accepted, while many of them are still running.
        await("half of the sagas accepted").atMost(STARTUP_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> harness.acknowledged() >= SAGAS / 2 || placing.isDone());
        Instant killedAt = Instant.now();
        long pid = victim.kill9();
        // Never restarted: the fault lasts until the survivor has taken over the victim's work.
        harness.recordFault("kill -9 of " + victim.name(), killedAt, Instant.now());
        List<FaultHarness.Saga> atKill = harness.sagas();
        long runningAtKill = atKill.stream().filter(saga -> !saga.terminal()).count();
        // The victim's own sagas that were in flight when it died: started there, not ended yet.
        java.util.Set<String> victimsInFlight = atKill.stream().filter(saga -> !saga.terminal())
                .map(FaultHarness.Saga::sagaId).filter(harness.acceptedBy(victim.name())::contains)
                .collect(java.util.stream.Collectors.toSet());
        System.out.printf("[cluster] kill -9 %d (%s) with %d sagas accepted, %d running%n", pid, victim.name(),
                harness.acknowledged(), runningAtKill);

        placing.get();
        boolean allEnded = harness.awaitAllTerminal(TERMINAL_TIMEOUT);
        ScenarioResult result = harness.verify("cluster, 1 of 2 killed", 1, Duration.between(start, Instant.now()));
        int endedAfterKill = harness.endedAfter(killedAt);
        Map<String, Integer> perInstance = harness.acknowledgedByService();

        String summary = String.format("""
                %s
                %s
                sagas accepted per instance: %s
                running when %s was killed: %d, %d of them started there; ended after the kill (by %s, the only one alive): %d
                """, ScenarioResult.HEADER, result.line(), perInstance, victim.name(), runningAtKill, victimsInFlight.size(),
                survivor.name(), endedAfterKill);
        Files.createDirectories(OUTPUT);
        Files.writeString(OUTPUT.resolve("summary.txt"), summary, StandardCharsets.UTF_8);
        System.out.print("[cluster] summary\n" + summary);
        harness.problems().stream().limit(50).forEach(problem -> System.out.println("[cluster] PROBLEM " + problem));

        // After the kill only the survivor runs: every saga the victim had in flight ended after it,
        // named one by one (a count of "ended after the kill" alone holds once everything ended).
        assertThat(victimsInFlight).as("sagas the victim started and had in flight when it died").isNotEmpty();
        java.util.Map<String, FaultHarness.Saga> end = harness.sagas().stream()
                .collect(java.util.stream.Collectors.toMap(FaultHarness.Saga::sagaId, saga -> saga));
        assertThat(victimsInFlight).as("the victim's sagas the survivor finished").allSatisfy(sagaId -> {
            FaultHarness.Saga saga = end.get(sagaId);
            assertThat(saga).isNotNull();
            assertThat(saga.terminal()).as("%s terminal", sagaId).isTrue();
            assertThat(saga.ended()).as("%s ended after the kill", sagaId).isAfter(killedAt);
        });
        assertThat(allEnded).as("every saga reached a terminal state").isTrue();
        assertThat(result.lost()).as("lost").isZero();
        assertThat(result.doubleEffects()).as("duplicates applied").isZero();
        assertThat(result.completed() + result.compensated()).as("terminal sagas").isEqualTo(result.sagas());
        assertThat(result.sagas()).as("sagas").isGreaterThanOrEqualTo(SAGAS);
        assertThat(harness.problems()).as("problems").isEmpty();
        assertThat(perInstance.values()).as("both instances took sagas before the kill").allMatch(count -> count > 0);
        assertThat(runningAtKill).as("sagas in flight when the instance died").isPositive();
    }

    /**
     * A rolling upgrade while orders run on both instances: instance-b is stopped gracefully and
     * started on a build that carries a new version of the order saga (its processes with other
     * deadlines, deployed by that instance at start-up), instance-a keeps the old one. Every saga
     * ends as its order dictates, once; sagas started before the upgrade stay on their version, and
     * once the new version is deployed both instances start new sagas on it.
     */
    @Test
    @Order(3)
    void rollingUpgradeToANewSagaVersionLosesNothing() throws Exception {
        Instant start = Instant.now();
        if (!victim.alive()) { // killed for good by the test before: back on the old build first
            victim.start();
            victim.awaitUp(STARTUP_TIMEOUT);
        }
        Path newProcesses = OUTPUT.resolve("processes-next").toAbsolutePath();
        Files.createDirectories(newProcesses);
        try (var files = Files.list(Path.of("processes"))) {
            for (Path model : files.filter(file -> file.toString().endsWith(".bpmn")).toList()) {
                String text = Files.readString(model);
                if (model.getFileName().toString().equals("order-fulfillment.bpmn")) {
                    text = text.replace("<camunda:inputParameter name=\"deadline\">PT30S</camunda:inputParameter>",
                            "<camunda:inputParameter name=\"deadline\">PT40S</camunda:inputParameter>")
                            // A build of its own on every run: Camunda deploys only what changed.
                            + "<!-- build " + java.util.UUID.randomUUID() + " -->\n";
                }
                Files.writeString(newProcesses.resolve(model.getFileName()), text);
            }
        }
        int oldVersion = latestOrderVersion();
        FaultHarness harness = new FaultHarness(List.of(survivor, victim), "upgrade").onVirtualHost(VIRTUAL_HOST);
        harness.createStock();
        CompletableFuture<Void> placing = placeAsync(harness, FaultHarness.orders(0, SAGAS));
        await("a third of the sagas accepted").atMost(STARTUP_TIMEOUT).pollInterval(Duration.ofMillis(100))
                .until(() -> harness.acknowledged() >= SAGAS / 3 || placing.isDone());
        Instant upgradeAt = Instant.now();
        victim.stopGracefully(Duration.ofSeconds(30));
        victim.restartWith(List.of("--spring.rabbitmq.virtual-host=" + VIRTUAL_HOST,
                "--sagaflow.messaging.queue-type=quorum",
                "--camunda.bpm.deployment-resource-pattern=file:" + newProcesses + "/*.bpmn"));
        victim.start();
        victim.awaitUp(STARTUP_TIMEOUT);
        Instant upgradedAt = Instant.now();
        harness.recordFault("rolling upgrade of " + victim.name() + " to a new order saga", upgradeAt, upgradedAt);
        placing.get();
        // And orders after the upgrade, to both instances: the old build starts them on the new version too.
        harness.place(FaultHarness.orders(SAGAS, 40), CLIENTS, STARTUP_TIMEOUT);
        boolean allEnded = harness.awaitAllTerminal(TERMINAL_TIMEOUT);
        ScenarioResult result = harness.verify("cluster, rolling upgrade", 0, Duration.between(start, Instant.now()));
        harness.problems().stream().limit(50).forEach(problem -> System.out.println("[cluster] PROBLEM " + problem));
        int newVersion = latestOrderVersion();
        Map<Integer, Long> before = versionsOfOrdersStarted(harness.prefix(), start, upgradeAt);
        Map<Integer, Long> after = versionsOfOrdersStarted(harness.prefix(), upgradedAt, Instant.now());
        System.out.printf("[cluster] upgrade: order-fulfillment %d -> %d; versions of sagas started before %s, "
                + "after %s; per instance %s%n", oldVersion, newVersion, before, after, harness.acknowledgedByService());

        assertThat(allEnded).as("every saga reached a terminal state").isTrue();
        assertThat(result.lost()).as("lost").isZero();
        assertThat(result.doubleEffects()).as("duplicates applied").isZero();
        assertThat(result.completed() + result.compensated()).as("terminal sagas").isEqualTo(result.sagas());
        assertThat(harness.problems()).as("problems").isEmpty();
        assertThat(newVersion).as("the upgraded instance deployed a new version").isEqualTo(oldVersion + 1);
        assertThat(before.keySet()).as("versions of the sagas started before the upgrade").containsOnly(oldVersion);
        assertThat(after.keySet()).as("versions of the sagas started after it, on either instance")
                .containsOnly(newVersion);
        assertThat(after.get(newVersion)).as("sagas started after the upgrade").isGreaterThanOrEqualTo(40);
    }

    private static int latestOrderVersion() throws Exception {
        try (java.sql.Connection db = FaultHarness.connect(); java.sql.Statement query = db.createStatement();
             java.sql.ResultSet rs = query.executeQuery(
                     "SELECT MAX(VERSION_) FROM ACT_RE_PROCDEF WHERE KEY_ = 'order-fulfillment'")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** How many of this scenario's order sagas started in the window run on each definition version. */
    private static Map<Integer, Long> versionsOfOrdersStarted(String prefix, Instant from, Instant to) throws Exception {
        try (java.sql.Connection db = FaultHarness.connect(); java.sql.PreparedStatement query = db.prepareStatement(
                "SELECT definition_version, COUNT(*) FROM sagaflow.saga WHERE process_key = 'order-fulfillment' "
                        + "AND business_key LIKE ? AND started_at >= ? AND started_at < ? GROUP BY definition_version")) {
            query.setString(1, prefix + "%");
            query.setTimestamp(2, java.sql.Timestamp.from(from));
            query.setTimestamp(3, java.sql.Timestamp.from(to));
            Map<Integer, Long> versions = new java.util.TreeMap<>();
            try (java.sql.ResultSet rs = query.executeQuery()) {
                while (rs.next()) {
                    versions.put(rs.getInt(1), rs.getLong(2));
                }
            }
            return versions;
        }
    }

    private static CompletableFuture<Void> placeAsync(FaultHarness harness, List<FaultHarness.Order> orders) {
        return CompletableFuture.runAsync(() -> {
            try {
                harness.place(orders, CLIENTS, STARTUP_TIMEOUT);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }
}
