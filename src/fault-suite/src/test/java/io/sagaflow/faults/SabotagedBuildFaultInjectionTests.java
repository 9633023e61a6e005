package io.sagaflow.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The fault suite's own test: the same harness and checks, run against builds broken on purpose
 * ({@code io.sagaflow.faults.sabotage}), must report the defect. A check that passes here would
 * pass on a broken service too. No fault is injected, so nothing may be explained away by one.
 *
 * <p>Runs with the fault-injection profile, before the fault scenarios. Knob:
 * {@code sagaflow.faults.sabotage-sagas} (default 100).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SabotagedBuildFaultInjectionTests {

    private static final int SAGAS = Integer.getInteger("sagaflow.faults.sabotage-sagas", 100);
    private static final Duration STARTUP_TIMEOUT = Duration.ofMinutes(3);
    private static final Duration TERMINAL_TIMEOUT = Duration.ofMinutes(4);
    private static final Path OUTPUT = Path.of("target", "fault-injection");

    private Path jar;

    @BeforeAll
    void packagedJar() {
        assumeTrue(Boolean.getBoolean("sagaflow.faults"),
                "fault injection needs the packaged jar, PostgreSQL and RabbitMQ: run with -Pfault-injection");
        jar = Path.of(System.getProperty("sagaflow.faults.jar", "src/app/target/sagaflow-0.1.0-SNAPSHOT.jar")).toAbsolutePath();
    }

    @Test
    @DisplayName("a relay that silently drops 1 % of its messages is caught: sagas built to complete end compensated with no fault to explain it")
    void relayThatDropsMessagesIsCaught() throws Exception {
        FaultHarness harness = runAgainst("relay-drops", "sab-relay");

        assertThat(harness.problems()).as("what the checks reported")
                .anyMatch(problem -> problem.contains("no step of it waited across a fault"));
    }

    @Test
    @DisplayName("a payment participant that charges some orders twice is caught as double effects")
    void participantThatAppliesAnEffectTwiceIsCaught() throws Exception {
        FaultHarness harness = runAgainst("payment-charges-twice", "sab-pay");

        assertThat(harness.problems()).as("what the checks reported")
                .anyMatch(problem -> problem.contains("ledger charged"));
    }

    @Test
    @DisplayName("a payment participant that records another amount than the order's is caught: the client's order against the participant's record")
    void participantThatRecordsOtherDataIsCaught() throws Exception {
        FaultHarness harness = runAgainst("payment-records-another-amount", "sab-amount");

        assertThat(harness.problems()).as("what the checks reported")
                .anyMatch(problem -> problem.contains("the charge recorded") && problem.contains("is not what the client sent"));
    }

    private FaultHarness runAgainst(String sabotage, String scenario) throws Exception {
        ServiceProcess service = ServiceProcess.sabotaged(sabotage, jar, OUTPUT);
        Instant start = Instant.now();
        try {
            service.start();
            service.awaitUp(STARTUP_TIMEOUT);
            FaultHarness harness = new FaultHarness(service, scenario);
            harness.createStock();
            harness.place(FaultHarness.orders(0, SAGAS), 8, STARTUP_TIMEOUT);
            harness.awaitAllTerminal(TERMINAL_TIMEOUT);
            ScenarioResult result = harness.verify("sabotage " + sabotage, 0, Duration.between(start, Instant.now()));
            System.out.printf("[faults] sabotaged build (%s), which the checks must reject:%n%s%n%s%n", sabotage,
                    ScenarioResult.HEADER, result.line());
            harness.problems().stream().limit(20).forEach(problem -> System.out.println("[faults] CAUGHT " + problem));
            return harness;
        } finally {
            service.stop();
        }
    }
}
