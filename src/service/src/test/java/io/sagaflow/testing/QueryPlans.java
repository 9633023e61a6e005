package io.sagaflow.testing;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.flywaydb.core.Flyway;

/**
 * Reads PostgreSQL's plan of a statement ({@code EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)}) for the
 * plan tests, which judge a query by its shape and the pages it touched, never by its time.
 */
public final class QueryPlans {

    private static final ObjectMapper JSON = new ObjectMapper();
    public static final String SERVER = System.getProperty("sagaflow.plan.server", "jdbc:postgresql://127.0.0.1:5432/");
    public static final String USER = System.getProperty("sagaflow.plan.user", "postgres");

    private QueryPlans() {
    }

    /**
     * A database of the plan test's own, created anew and migrated by our Flyway scripts, so the
     * other suites never see its rows.
     */
    public static void createMigratedDatabase(String name) throws SQLException {
        dropDatabase(name);
        try (Connection admin = DriverManager.getConnection(SERVER + "postgres", USER, "");
             Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
        }
        Flyway.configure().dataSource(SERVER + name, USER, "")
                .schemas("sagaflow")
                .locations("classpath:db/migration/common", "classpath:db/migration/postgresql")
                .load().migrate();
        // and, as the service does after its own, the starter's later migrations
        io.sagaflow.autoconfigure.ParticipantTables.migrateInTheService(
                new org.springframework.jdbc.datasource.DriverManagerDataSource(SERVER + name, USER, ""));
    }

    public static void dropDatabase(String name) throws SQLException {
        try (Connection admin = DriverManager.getConnection(SERVER + "postgres", USER, "");
             Statement statement = admin.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }

    public static Connection connect(String database) throws SQLException {
        return DriverManager.getConnection(SERVER + database, USER, "");
    }

    /** The plan of {@code sql} run with {@code arguments}; the statement really runs (ANALYZE). */
    public static JsonNode explain(Connection db, String sql, List<?> arguments) throws SQLException {
        try (PreparedStatement explain = db.prepareStatement("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)) {
            for (int i = 0; i < arguments.size(); i++) {
                explain.setObject(i + 1, arguments.get(i));
            }
            try (ResultSet rs = explain.executeQuery()) {
                rs.next();
                return JSON.readTree(rs.getString(1)).get(0);
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("EXPLAIN did not answer JSON", e);
        }
    }

    /** Every scan in the plan, e.g. {@code "Index Scan saga_by_status"} or {@code "Seq Scan saga"}. */
    public static List<String> scans(JsonNode plan) {
        List<String> scans = new ArrayList<>();
        collectScans(plan.get("Plan"), scans);
        return scans;
    }

    /** Shared buffers hit or read by the whole statement. */
    public static long pagesTouched(JsonNode plan) {
        JsonNode top = plan.get("Plan");
        return top.path("Shared Hit Blocks").asLong() + top.path("Shared Read Blocks").asLong();
    }

    private static void collectScans(JsonNode node, List<String> scans) {
        String type = node.path("Node Type").asText();
        if (type.contains("Scan")) {
            scans.add(type + (node.has("Index Name") ? " " + node.get("Index Name").asText()
                    : node.has("Relation Name") ? " " + node.get("Relation Name").asText() : ""));
        }
        for (JsonNode child : node.path("Plans")) {
            collectScans(child, scans);
        }
    }
}
