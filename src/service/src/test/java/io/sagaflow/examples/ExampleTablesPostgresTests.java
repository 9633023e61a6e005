package io.sagaflow.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.sagaflow.testing.ParticipantTestBed;
import io.sagaflow.testing.QueryPlans;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The example participants' tables belong to the examples, not to the service: a production
 * orchestrator that hosts none of them has none of their tables, and a database that the service
 * migrated when the example migrations were still in its own history (up to 0.1.0 of 2026-12-07)
 * starts on this build without running them again, its example rows intact, and runs sagas.
 *
 * <p>Real-services profile: PostgreSQL and RabbitMQ (a virtual host of its own).
 */
@DisplayName("Example tables exist only where example participants run, and older databases upgrade")
class ExampleTablesPostgresTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    @Test
    @DisplayName("a prod orchestrator with participants: none has no example table, schema or history")
    void anOrchestratorWithoutExampleParticipantsHasNoExampleTables() throws Exception {
        try (ParticipantTestBed bed = new ParticipantTestBed("exnone", "sagaflow_exnone_spare", TIMEOUT)) {
            bed.createVirtualHostAndDatabases();
            bed.startOrchestrator("none");
            // Camunda's ACT_* tables are in public; ours in sagaflow.
            assertThat(list("sagaflow_exnone_test", """
                    SELECT DISTINCT table_schema FROM information_schema.tables
                    WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1
                    """)).containsExactly("public", "sagaflow");
            assertThat(list("sagaflow_exnone_test", """
                    SELECT table_name FROM information_schema.tables
                    WHERE table_schema = 'public' AND table_name NOT LIKE 'act\\_%'
                    """)).as("tables in public other than Camunda's").isEmpty();
            assertThat(list("sagaflow_exnone_test", """
                    SELECT schema_name FROM information_schema.schemata
                    WHERE schema_name IN ('examples', 'inventory', 'payment', 'shipping', 'car', 'hotel', 'flight', 'shop')
                    """)).isEmpty();
        }
    }

    @Test
    @DisplayName("a database migrated with the examples in the service's history starts, keeps its example rows and runs sagas")
    void aDatabaseMigratedBeforeTheMoveUpgrades() throws Exception {
        String db = "sagaflow_exlegacy_test";
        try (ParticipantTestBed bed = new ParticipantTestBed("exlegacy", "sagaflow_exlegacy_spare", TIMEOUT)) {
            bed.createVirtualHostAndDatabases();
            migrateAsBeforeTheMove(db);
            execute(db, "UPDATE inventory.stock SET available = 4242 WHERE sku = 'SKU-9'");
            execute(db, "INSERT INTO payment.ledger (customer_id, charged, refunded) VALUES ('before-the-move', 7, 0)");

            bed.startOrchestrator("all");

            assertThat(list(db, "SELECT version || ':' || type FROM examples.flyway_examples_history ORDER BY installed_rank"))
                    .as("the examples' history is baselined at the last example version the service's history had")
                    .containsExactly("16:BASELINE");
            assertThat(list(db, "SELECT available FROM inventory.stock WHERE sku = 'SKU-9'")).containsExactly("4242");
            assertThat(list(db, "SELECT charged FROM payment.ledger WHERE customer_id = 'before-the-move'"))
                    .containsExactly("7.00");
            List<String> sagas = new ArrayList<>();
            sagas.add(startOrder(bed, "DE"));
            sagas.add(startOrder(bed, "XX")); // shipping refuses country XX: the saga compensates
            assertThat(bed.awaitEnd(sagas.get(0))).isEqualTo("COMPLETED");
            assertThat(bed.awaitEnd(sagas.get(1))).isEqualTo("COMPENSATED");
            assertThat(list(db, "SELECT status FROM inventory.reservation WHERE saga_id = '" + sagas.get(1) + "'"))
                    .containsExactly("RELEASED");
        }
    }

    /** What the service's Flyway did up to 0.1.0 of 2026-12-07: one history, the example migrations in it. */
    private static void migrateAsBeforeTheMove(String db) {
        Flyway.configure().dataSource(QueryPlans.SERVER + db, "postgres", "")
                .schemas("sagaflow", "inventory", "payment", "shipping", "car", "hotel", "flight", "shop", "examples")
                .locations("classpath:db/migration/common", "classpath:db/migration/postgresql",
                        "classpath:db/examples/common", "classpath:db/examples/postgresql")
                .load().migrate();
    }

    private static String startOrder(ParticipantTestBed bed, String country) throws Exception {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("orderId", "order-" + UUID.randomUUID());
        variables.put("customerId", "customer-" + UUID.randomUUID());
        variables.put("sku", "SKU-1");
        variables.put("quantity", 1);
        variables.put("amount", new BigDecimal("12.50"));
        variables.put("country", country);
        return bed.startSaga("order-fulfillment", variables);
    }

    private static void execute(String db, String sql) throws SQLException {
        try (Connection connection = QueryPlans.connect(db); Statement statement = connection.createStatement()) {
            statement.execute(sql);
        }
    }

    private static List<String> list(String db, String sql) throws SQLException {
        try (Connection connection = QueryPlans.connect(db); Statement statement = connection.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            List<String> values = new ArrayList<>();
            while (rows.next()) {
                values.add(rows.getString(1));
            }
            return values;
        }
    }
}
