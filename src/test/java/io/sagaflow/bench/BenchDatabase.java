package io.sagaflow.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** The benchmark's own PostgreSQL database, dropped and created anew so every run starts empty. */
final class BenchDatabase {

    private BenchDatabase() {
    }

    static void recreate(BenchSettings settings) throws SQLException {
        String name = settings.databaseName();
        if (!name.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("database name " + name + " is not a plain identifier");
        }
        try (Connection postgres = DriverManager.getConnection(settings.maintenanceJdbcUrl(), settings.jdbcUser(),
                settings.jdbcPassword()); Statement statement = postgres.createStatement()) {
            statement.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            statement.execute("CREATE DATABASE " + name);
        }
    }

    /**
     * What autovacuum does on a production PostgreSQL: clear dead rows and refresh the planner's
     * statistics. This machine's PostgreSQL runs with autovacuum off (SHOW autovacuum), so without
     * this every phase would pay for the dead rows of all phases before it.
     */
    static void vacuum(BenchSettings settings) throws SQLException {
        try (Connection db = connect(settings); Statement statement = db.createStatement()) {
            db.setAutoCommit(true);
            statement.execute("VACUUM (ANALYZE)");
        }
    }

    static Connection connect(BenchSettings settings) throws SQLException {
        return DriverManager.getConnection(settings.jdbcUrl(), settings.jdbcUser(), settings.jdbcPassword());
    }

    static long count(Connection db, String sql) throws SQLException {
        try (Statement statement = db.createStatement(); ResultSet rows = statement.executeQuery(sql)) {
            rows.next();
            return rows.getLong(1);
        }
    }
}
