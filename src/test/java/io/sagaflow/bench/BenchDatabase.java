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
