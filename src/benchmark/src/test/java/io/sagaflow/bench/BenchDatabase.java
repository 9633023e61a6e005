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

    /** Switches autovacuum back off (as this machine's test configuration has it) when the benchmark ends. */
    interface Autovacuum extends AutoCloseable {
        @Override
        void close() throws SQLException;
    }

    /**
     * Runs PostgreSQL's autovacuum during the benchmark, as a production database does, with the
     * short nap that the service's churning tables need (docs/deployment.md, PostgreSQL): Camunda's
     * runtime tables hold a few dozen live rows and gain thousands of dead ones a minute, and every
     * foreign-key check and lookup walks them. This machine's PostgreSQL has autovacuum off for the
     * test suites; with it off, a saga's statements took a third longer by the end of a 30 s series
     * (docs/performance.md). Set back when the benchmark ends ({@code ALTER SYSTEM RESET}).
     * {@code -Dsagaflow.bench.autovacuum=false} measures without it.
     */
    static Autovacuum autovacuumAsInProduction(BenchSettings settings) throws SQLException {
        if (!Boolean.parseBoolean(System.getProperty("sagaflow.bench.autovacuum", "true"))) {
            return () -> { };
        }
        alterSystem(settings, "ALTER SYSTEM SET autovacuum = on", "ALTER SYSTEM SET autovacuum_naptime = '5s'");
        return () -> alterSystem(settings, "ALTER SYSTEM RESET autovacuum", "ALTER SYSTEM RESET autovacuum_naptime");
    }

    private static void alterSystem(BenchSettings settings, String... statements) throws SQLException {
        try (Connection postgres = DriverManager.getConnection(settings.maintenanceJdbcUrl(), settings.jdbcUser(),
                settings.jdbcPassword()); Statement statement = postgres.createStatement()) {
            for (String sql : statements) {
                statement.execute(sql);
            }
            statement.execute("SELECT pg_reload_conf()");
        }
    }

    /**
     * What autovacuum does between a production database's busy periods: clear dead rows and refresh
     * the planner's statistics before each measured series, so no phase pays for the dead rows of
     * the phases before it.
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
