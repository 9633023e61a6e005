package io.sagaflow.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.sagaflow.testing.FixtureService;
import io.sagaflow.testing.ParticipantTestBed;
import io.sagaflow.testing.QueryPlans;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A payment service built on the participant starter alone ({@code src/service/src/test/kit-fixture},
 * whose pom names {@code io.sagaflow:sagaflow-participant-spring-boot-starter} and the JDBC driver) runs the
 * order saga's payment step in a JVM and a PostgreSQL database of its own, with the real
 * orchestrator (here, every example participant but {@code payment}) on RabbitMQ.
 *
 * <p>The fixture JVM's class path is what Maven resolves from that pom ({@code mvn
 * dependency:build-classpath}, after {@code mvn install} of the starter and the modules it needs)
 * and its own classes, compiled here against exactly that: a reference to anything else of Sagaflow
 * fails the compilation, Camunda or the orchestrator are not there to be found. Counted from the
 * fixture's own database: one charge per saga, its barrier rows, its replies; the database holds
 * the kit's four tables and the fixture's, nothing of the orchestrator.
 *
 * <p>{@code -Dsagaflow.kit-test.decline-all=true} starts the fixture broken (every charge declined):
 * the test then fails, as it must.
 *
 * <p>Runs in the real-services profile (PostgreSQL, a local RabbitMQ whose {@code rabbitmqctl} it
 * calls, {@code mvn} on the PATH); it fails without them, it never skips.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("A payment service on the participant starter alone runs the order saga's payment step in its own JVM and database")
class KitPaymentParticipantPostgresTests {

    private static final Path FIXTURE = Path.of("src", "service", "src", "test", "kit-fixture");
    private static final Path WORK = Path.of("target", "kit-fixture");
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private final ParticipantTestBed bed = new ParticipantTestBed("kit", "sagaflow_kit_payment", TIMEOUT);

    @BeforeAll
    void start() throws Exception {
        bed.createVirtualHostAndDatabases();
        startFixture();
        bed.startOrchestrator("inventory,shipping,shop,car,hotel,flight");
    }

    @AfterAll
    void stop() {
        bed.close();
    }

    // ---- the tests ------------------------------------------------------------------------------

    @Test
    @DisplayName("orders complete: one CHARGED row, one ACTION:SUCCESS barrier row and one sent reply per saga in the fixture's database")
    void ordersComplete() throws Exception {
        List<String> sagas = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sagas.add(startOrder("99.50", "DE"));
        }
        for (String saga : sagas) {
            assertThat(bed.awaitEnd(saga)).isEqualTo("COMPLETED");
            assertThat(charges(saga)).containsExactly("CHARGED:99.50");
            assertThat(barrier(saga)).containsExactly("ACTION:SUCCESS");
            assertThat(sentReplies(saga)).isEqualTo(1);
        }
        assertThat(bed.count("SELECT COUNT(*) FROM sagaflow.parked_message")).isZero();
    }

    @Test
    @DisplayName("orders refused by shipping compensate through the fixture: charged once, refunded once")
    void ordersCompensateAfterTheCharge() throws Exception {
        List<String> sagas = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            sagas.add(startOrder("40.00", "XX")); // shipping refuses country XX
        }
        for (String saga : sagas) {
            assertThat(bed.awaitEnd(saga)).isEqualTo("COMPENSATED");
            assertThat(charges(saga)).containsExactly("REFUNDED:40.00");
            assertThat(barrier(saga)).containsExactly("ACTION:SUCCESS", "COMPENSATION:SUCCESS");
            assertThat(sentReplies(saga)).isEqualTo(2);
        }
    }

    @Test
    @DisplayName("an amount over the limit is declined by the fixture: no charge, the saga compensates")
    void declinedChargeCompensates() throws Exception {
        String saga = startOrder("20000.00", "DE");
        assertThat(bed.awaitEnd(saga)).isEqualTo("COMPENSATED");
        assertThat(charges(saga)).isEmpty();
        assertThat(barrier(saga)).containsExactly("ACTION:BUSINESS_FAILURE");
        assertThat(sentReplies(saga)).isEqualTo(1);
    }

    @Test
    @DisplayName("the kit deletes inbox and barrier rows older than sagaflow.retention.deduplication, and keeps newer ones")
    void theKitDeletesOldInboxAndBarrierRows() throws Exception {
        String old = "retention-old-" + UUID.randomUUID();
        String recent = "retention-new-" + UUID.randomUUID();
        try (java.sql.Connection db = QueryPlans.connect(bed.participantDb());
             java.sql.Statement statement = db.createStatement()) {
            for (String[] row : new String[][] {{old, "31 days"}, {recent, "29 days"}}) {
                statement.execute("INSERT INTO sagaflow.inbox_message (consumer, message_id, received_at) VALUES "
                        + "('retention-test', '" + row[0] + "', now() - interval '" + row[1] + "')");
                statement.execute("INSERT INTO sagaflow.participant_barrier (participant, saga_id, step, op, outcome, "
                        + "created_at) VALUES ('retention-test', '" + row[0] + "', 'step', 'ACTION', 'SUCCESS', now() - "
                        + "interval '" + row[1] + "')");
            }
        }
        await("the kit's retention").atMost(TIMEOUT).untilAsserted(() -> {
            assertThat(bed.list("SELECT message_id FROM sagaflow.inbox_message WHERE consumer = 'retention-test'"))
                    .containsExactly(recent);
            assertThat(bed.list("SELECT saga_id FROM sagaflow.participant_barrier WHERE participant = 'retention-test'"))
                    .containsExactly(recent);
        });
    }

    @Test
    @DisplayName("the fixture's database holds the kit's tables and its own, nothing of the orchestrator")
    void theFixtureDatabaseHoldsTheKitTablesOnly() throws Exception {
        assertThat(bed.list("""
                SELECT table_schema || '.' || table_name FROM information_schema.tables
                WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1
                """)).containsExactly(
                "payment_kit.charge", "payment_kit.flyway_schema_history",
                "sagaflow.inbox_message", "sagaflow.outbox_hold", "sagaflow.outbox_message", "sagaflow.parked_message",
                "sagaflow.participant_barrier", "sagaflow.participant_kit_schema_history");
    }

    // ---- the orchestrator's side ------------------------------------------------------------------

    private String startOrder(String amount, String country) throws Exception {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("orderId", "order-" + UUID.randomUUID());
        variables.put("customerId", "customer-" + UUID.randomUUID());
        variables.put("sku", "SKU-1");
        variables.put("quantity", 1);
        variables.put("amount", new BigDecimal(amount));
        variables.put("country", country);
        return bed.startSaga("order-fulfillment", variables);
    }

    // ---- the fixture's database ---------------------------------------------------------------------

    private List<String> charges(String sagaId) throws SQLException {
        return bed.list("SELECT status || ':' || amount FROM payment_kit.charge WHERE saga_id = ?", sagaId);
    }

    private List<String> barrier(String sagaId) throws SQLException {
        return bed.list("SELECT op || ':' || outcome FROM sagaflow.participant_barrier "
                + "WHERE participant = 'payment' AND saga_id = ? AND step = 'Task_ChargePayment' ORDER BY op", sagaId);
    }

    /** Replies of the saga in the fixture's outbox, once none is PENDING any more. */
    private long sentReplies(String sagaId) {
        String ofSaga = "FROM sagaflow.outbox_message WHERE CAST(headers AS jsonb) ->> 'sagaflow-saga-id' = ?";
        return await("the fixture's outbox to send the replies of " + sagaId).atMost(TIMEOUT).until(() -> {
            if (bed.count("SELECT COUNT(*) " + ofSaga + " AND status <> 'SENT'", sagaId) > 0) {
                return -1L;
            }
            return bed.count("SELECT COUNT(*) " + ofSaga, sagaId);
        }, sent -> sent >= 0);
    }

    // ---- the fixture JVM ------------------------------------------------------------------------------

    private void startFixture() throws Exception {
        // The starter as a participant team gets it: its one dependency on the starter (no
        // exclusions), resolved by Maven with everything the starter brings.
        String classpath = new FixtureService(FIXTURE, WORK).build("src/participant-starter",
                "sagaflow-participant-spring-boot-starter", "sagaflow-contract", "sagaflow-publisher");
        ProcessBuilder builder = FixtureService.java(classpath, "kitfixture.payment.KitPaymentApplication", List.of(
                "--spring.datasource.url=" + QueryPlans.SERVER + bed.participantDb(),
                "--spring.datasource.username=" + QueryPlans.USER,
                "--spring.rabbitmq.host=" + ParticipantTestBed.RABBIT_HOST,
                "--spring.rabbitmq.virtual-host=" + bed.virtualHost(),
                // Retention every second: the test watches the kit delete old inbox and barrier rows.
                "--sagaflow.retention.interval=PT1S",
                "--fixture.decline-all=" + Boolean.getBoolean("sagaflow.kit-test.decline-all")));
        bed.startParticipant("the kit payment service", builder, Path.of("target", "kit-payment-participant.log"),
                "Started KitPaymentApplication");
    }
}
