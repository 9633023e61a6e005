package io.sagaflow.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * An installation upgraded from an earlier build with sagas in flight. The earlier build (by default
 * the last one whose service history held the example migrations, before the examples got a Flyway
 * history of their own and before the build had modules; {@code -Dsagaflow.upgrade.from=<revision>})
 * is built from git, migrates a new PostgreSQL database and runs orders that its shipping step and
 * its compensations hold for 20 s; it is stopped (SIGTERM) with them in flight and this build's jar
 * starts on the same database and virtual host. Every saga must end as its order dictates, with no
 * effect lost or doubled, the example rows the earlier build wrote must stay, and orders placed
 * after the upgrade must run too.
 *
 * <p>Runs with the fault-injection profile: PostgreSQL, RabbitMQ, git and mvn on the PATH. It
 * recreates the database {@code sagaflow}. Seen failing when this build's Flyway no longer ignores
 * the example versions that left its history:
 * {@code -Dsagaflow.upgrade.service-arguments=--spring.flyway.ignore-migration-patterns=*:future}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("An installation of an earlier build upgrades to this one with sagas in flight")
class BuildUpgradeTests {

    /** The main of 2026-12-07 before the examples' tables left the service's migration history. */
    private static final String FROM = System.getProperty("sagaflow.upgrade.from", "4b30e7a");
    private static final String VIRTUAL_HOST = "sagaflow-upgrade";
    private static final Path OUTPUT = Path.of("target", "upgrade");
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration TERMINAL_TIMEOUT = Duration.ofMinutes(5);
    private static final int IN_FLIGHT_ORDERS = 60;
    private static final int LATER_ORDERS = 10;

    private final List<ServiceProcess> instances = new ArrayList<>();

    @AfterAll
    void stopInstances() {
        instances.forEach(ServiceProcess::stop);
    }

    @Test
    @DisplayName("sagas started on the earlier build end on this one as their orders dictate, nothing lost or doubled")
    void sagasInFlightSurviveTheUpgrade() throws Exception {
        assumeTrue(Boolean.getBoolean("sagaflow.faults"),
                "the upgrade test needs both jars, PostgreSQL and RabbitMQ: run with -Pfault-injection");
        Path earlierJar = earlierBuild(FROM);
        Path jar = Path.of(System.getProperty("sagaflow.faults.jar", "src/app/target/sagaflow-0.1.0-SNAPSHOT.jar"))
                .toAbsolutePath();
        recreateDatabase();
        Shell.attempt("rabbitmqctl", "delete_vhost", VIRTUAL_HOST);
        Shell.run("rabbitmqctl", "add_vhost", VIRTUAL_HOST);
        Shell.run("rabbitmqctl", "set_permissions", "-p", VIRTUAL_HOST, "guest", ".*", ".*", ".*");
        List<String> arguments = List.of("--spring.rabbitmq.virtual-host=" + VIRTUAL_HOST);

        Instant start = Instant.now();
        ServiceProcess earlier = started(new ServiceProcess("build-" + FROM, earlierJar, OUTPUT, arguments));
        FaultHarness harness = new FaultHarness(earlier, "upgrade")
                .withSimulation(List.of("shipping.schedule:delay=PT20S", "inventory.release:delay=PT20S"))
                .onVirtualHost(VIRTUAL_HOST);
        harness.createStock();
        harness.place(FaultHarness.orders(0, IN_FLIGHT_ORDERS), 8, STARTUP_TIMEOUT);
        // The example rows the earlier build wrote: the stock of this scenario's SKU.
        String stockBefore = single("SELECT count(*) FROM inventory.stock");
        long inFlight = harness.sagas().stream().filter(saga -> !saga.terminal()).count();

        Instant stoppedAt = Instant.now();
        earlier.stopGracefully(Duration.ofSeconds(30));
        List<String> upgradedArguments = new ArrayList<>(arguments);
        // -Dsagaflow.upgrade.service-arguments=... changes this build's settings, e.g. to see the test fail.
        String extra = System.getProperty("sagaflow.upgrade.service-arguments", "");
        if (!extra.isBlank()) {
            upgradedArguments.addAll(List.of(extra.trim().split("\\s+")));
        }
        ServiceProcess upgraded = started(new ServiceProcess("this-build", jar, OUTPUT, upgradedArguments));
        harness.recordFault("upgrade from " + FROM + ": the earlier build stopped, this build started", stoppedAt,
                Instant.now());
        harness.switchTo(List.of(upgraded));
        harness.place(FaultHarness.orders(IN_FLIGHT_ORDERS, LATER_ORDERS), 4, STARTUP_TIMEOUT);
        boolean allEnded = harness.awaitAllTerminal(TERMINAL_TIMEOUT);
        ScenarioResult result = harness.verify("upgrade from " + FROM, 0, Duration.between(start, Instant.now()));
        System.out.printf("[upgrade] %d sagas in flight when build %s stopped%n%s%n%s%n", inFlight, FROM,
                ScenarioResult.HEADER, result.line());
        harness.problems().stream().limit(50).forEach(problem -> System.out.println("[upgrade] PROBLEM " + problem));

        assertThat(inFlight).as("sagas in flight when the earlier build stopped").isGreaterThanOrEqualTo(IN_FLIGHT_ORDERS / 2);
        assertThat(harness.problems()).as("problems").isEmpty();
        assertThat(allEnded).as("every saga reached a terminal state").isTrue();
        assertThat(result.sagas()).as("one saga per order").isEqualTo(IN_FLIGHT_ORDERS + LATER_ORDERS);
        assertThat(result.lost()).as("lost").isZero();
        assertThat(result.doubleEffects()).as("double effects").isZero();
        assertThat(single("SELECT count(*) FROM inventory.stock")).as("the earlier build's stock rows")
                .isEqualTo(stockBefore);
        assertThat(single("SELECT string_agg(version || ':' || type, ',' ORDER BY installed_rank)"
                + " FROM examples.flyway_examples_history"))
                .as("the examples' history starts at the last example version the service's history had")
                .startsWith("16:BASELINE");
        assertThat(single("SELECT count(*) FROM sagaflow.flyway_schema_history WHERE NOT success"))
                .as("failed migrations").isEqualTo("0");
    }

    private ServiceProcess started(ServiceProcess instance) throws Exception {
        instances.add(instance);
        instance.start();
        instance.awaitUp(STARTUP_TIMEOUT);
        return instance;
    }

    /** The earlier build's executable jar, built from git once (kept in target/upgrade between runs). */
    private static Path earlierBuild(String revision) throws Exception {
        Path jar = OUTPUT.resolve("sagaflow-" + revision + ".jar").toAbsolutePath();
        if (Files.isRegularFile(jar)) {
            return jar;
        }
        Files.createDirectories(OUTPUT);
        Path tree = OUTPUT.resolve("tree-" + revision).toAbsolutePath();
        Shell.attempt("git", "worktree", "remove", "--force", tree.toString());
        Shell.run("git", "worktree", "add", "--detach", tree.toString(), revision);
        try {
            Shell.run("mvn", "-B", "-q", "-ntp", "-f", tree.resolve("pom.xml").toString(), "package",
                    "-Dmaven.test.skip=true");
            Path built;
            try (var files = Files.list(tree.resolve("target"))) {
                built = files.filter(file -> file.getFileName().toString().matches("sagaflow-[^-]+-SNAPSHOT\\.jar"))
                        .findFirst().orElseThrow(() -> new IllegalStateException("no jar built at " + revision));
            }
            Files.copy(built, jar);
        } finally {
            Shell.attempt("git", "worktree", "remove", "--force", tree.toString());
        }
        return jar;
    }

    /** A new database for the earlier build to migrate from nothing. */
    private static void recreateDatabase() throws SQLException {
        String admin = FaultHarness.JDBC_URL.substring(0, FaultHarness.JDBC_URL.lastIndexOf('/') + 1) + "postgres";
        String name = FaultHarness.JDBC_URL.substring(FaultHarness.JDBC_URL.lastIndexOf('/') + 1);
        try (Connection db = DriverManager.getConnection(admin, FaultHarness.JDBC_USER, FaultHarness.JDBC_PASSWORD);
             Statement statement = db.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            statement.execute("CREATE DATABASE " + name);
        }
    }

    private static String single(String sql) throws SQLException {
        try (Connection db = FaultHarness.connect(); Statement statement = db.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            assertThat(rows.next()).as(sql).isTrue();
            return rows.getString(1);
        }
    }
}
