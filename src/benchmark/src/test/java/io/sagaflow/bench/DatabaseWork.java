package io.sagaflow.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * What PostgreSQL did for a measured window, divided by the sagas that completed in it: the work
 * the one server every instance shares has to carry per saga, so the figures that set how many
 * sagas per second a deployment can ever complete (docs/performance.md, capacity model).
 *
 * <ul>
 *   <li>{@code statements}: every statement the benchmark database executed
 *       ({@code pg_stat_statements} calls, {@code BEGIN} and {@code COMMIT} included), and the part
 *       on Camunda's tables ({@code camundaStatements});</li>
 *   <li>{@code transactions}: commits and rollbacks of the benchmark database
 *       ({@code pg_stat_database}), transaction blocks and autocommit statements alike;</li>
 *   <li>{@code rowsWritten}: rows inserted, updated and deleted (the rows the DML statements
 *       reported);</li>
 *   <li>{@code walBytes}: the server's write-ahead log, {@code pg_current_wal_lsn()} before and after:
 *       everything the server wrote, autovacuum and checkpoints' full pages included, which is why the
 *       benchmark wants nothing else running;</li>
 *   <li>{@code executionMillis}: the statements' own execution time.</li>
 * </ul>
 *
 * <p>{@code pg_stat_statements} and the WAL position change the moment a statement ends, so those
 * edges are exact; {@code pg_stat_database} gets a busy backend's counts at most once a second, so
 * the transactions may move about a second's worth between back-to-back runs (a few per cent of a run).
 * Without {@code pg_stat_statements} in {@code shared_preload_libraries} the statements and rows are
 * NaN and the run says how to load it. The statements by text are written beside the report
 * ({@code statements-<run>.tsv}), largest count first, to say where each one comes from.
 */
final class DatabaseWork {

    static final String STATEMENTS = "statements";
    static final String CAMUNDA_STATEMENTS = "camundaStatements";
    static final String TRANSACTIONS = "transactions";
    static final String ROWS_WRITTEN = "rowsWritten";
    static final String WAL_BYTES = "walBytes";
    static final String EXECUTION_MILLIS = "executionMillis";

    /** The figures in report order. */
    static final List<String> FIGURES = List.of(STATEMENTS, CAMUNDA_STATEMENTS, TRANSACTIONS, ROWS_WRITTEN, WAL_BYTES,
            EXECUTION_MILLIS);

    private static final Pattern WRITES = Pattern.compile("^\\s*(insert|update|delete)\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern CAMUNDA = Pattern.compile("\\bACT_(RU|HI|RE|GE|ID)_", Pattern.CASE_INSENSITIVE);

    /** One statement text's counters in the window. */
    record Counters(String query, long calls, long rows, double executionMillis) {
    }

    private final BenchSettings settings;
    private final boolean statementsTracked;
    private final long startWal;
    private final Map<String, Counters> startStatements;
    private final long startTransactions;

    private DatabaseWork(BenchSettings settings) throws SQLException {
        this.settings = settings;
        try (Connection db = BenchDatabase.connect(settings)) {
            this.statementsTracked = statementsTracked(db);
            this.startStatements = statementsTracked ? statements(db) : Map.of();
            this.startTransactions = transactions(db);
            this.startWal = walPosition(db);
        }
    }

    static DatabaseWork start(BenchSettings settings) throws SQLException {
        return new DatabaseWork(settings);
    }

    /**
     * Ends the window: each figure per completed saga, and the window's statements by text in
     * {@code statements-<label>.tsv} in the report's folder.
     */
    Map<String, Double> perSaga(int sagas, String label) throws SQLException, IOException {
        Map<String, Double> perSaga = new LinkedHashMap<>();
        try (Connection db = BenchDatabase.connect(settings)) {
            long wal = walPosition(db) - startWal;
            Map<String, Counters> window = new HashMap<>();
            if (statementsTracked) {
                statements(db).forEach((query, end) -> {
                    Counters start = startStatements.get(query);
                    long calls = end.calls() - (start == null ? 0 : start.calls());
                    if (calls > 0) {
                        window.put(query, new Counters(query, calls, end.rows() - (start == null ? 0 : start.rows()),
                                end.executionMillis() - (start == null ? 0 : start.executionMillis())));
                    }
                });
            }
            long statements = window.values().stream().mapToLong(Counters::calls).sum();
            long camunda = window.values().stream().filter(c -> CAMUNDA.matcher(c.query()).find())
                    .mapToLong(Counters::calls).sum();
            long rowsWritten = window.values().stream().filter(c -> WRITES.matcher(c.query()).find())
                    .mapToLong(Counters::rows).sum();
            double execution = window.values().stream().mapToDouble(Counters::executionMillis).sum();
            perSaga.put(STATEMENTS, ratio(statements, sagas));
            perSaga.put(CAMUNDA_STATEMENTS, ratio(camunda, sagas));
            perSaga.put(TRANSACTIONS, (double) Math.round((double) (transactions(db) - startTransactions) / sagas * 100) / 100);
            perSaga.put(ROWS_WRITTEN, ratio(rowsWritten, sagas));
            perSaga.put(WAL_BYTES, (double) Math.round((double) wal / sagas));
            perSaga.put(EXECUTION_MILLIS, ratio(execution, sagas));
            if (statementsTracked) {
                writeBreakdown(window, sagas, label);
            }
        }
        return perSaga;
    }

    private double ratio(double value, int sagas) {
        return statementsTracked ? Math.round(value / sagas * 100) / 100.0 : Double.NaN;
    }

    private void writeBreakdown(Map<String, Counters> window, int sagas, String label) throws IOException {
        List<Counters> rows = new ArrayList<>(window.values());
        rows.sort(Comparator.comparingLong(Counters::calls).reversed().thenComparing(Counters::query));
        StringBuilder out = new StringBuilder("calls per saga\trows per saga\texecution ms per saga\tstatement\n");
        for (Counters row : rows) {
            out.append(String.format(Locale.ROOT, "%.2f\t%.2f\t%.3f\t%s%n", (double) row.calls() / sagas,
                    (double) row.rows() / sagas, row.executionMillis() / sagas,
                    row.query().replaceAll("\\s+", " ").trim()));
        }
        Files.createDirectories(settings.output());
        Path file = settings.output().resolve("statements-" + label.replaceAll("[^A-Za-z0-9]+", "-") + ".tsv");
        Files.writeString(file, out);
    }

    private static boolean statementsTracked(Connection db) throws SQLException {
        if (BenchDatabase.count(db, "SELECT count(*) FROM pg_settings WHERE name = 'shared_preload_libraries'"
                + " AND setting LIKE '%pg_stat_statements%'") == 0) {
            System.out.println("  pg_stat_statements is not loaded: statements and rows per saga are"
                    + " NaN (ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements', then restart"
                    + " PostgreSQL; docs/performance.md)");
            return false;
        }
        try (Statement statement = db.createStatement()) {
            statement.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        }
        return true;
    }

    /**
     * The benchmark database's statements by text, top-level and nested alike; this class's own
     * reads are left out (they name the views they read).
     */
    private static Map<String, Counters> statements(Connection db) throws SQLException {
        Map<String, Counters> byQuery = new HashMap<>();
        try (Statement statement = db.createStatement(); ResultSet rows = statement.executeQuery(
                "SELECT query, sum(calls), sum(rows), sum(total_exec_time) FROM pg_stat_statements"
                        + " WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())"
                        + " AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%pg_current_wal_lsn%'"
                        + " AND query NOT LIKE '%pg_settings%' GROUP BY query")) {
            while (rows.next()) {
                byQuery.put(rows.getString(1), new Counters(rows.getString(1), rows.getLong(2), rows.getLong(3),
                        rows.getDouble(4)));
            }
        }
        return byQuery;
    }

    private static long transactions(Connection db) throws SQLException {
        return BenchDatabase.count(db, "SELECT xact_commit + xact_rollback FROM pg_stat_database"
                + " WHERE datname = current_database()");
    }

    private static long walPosition(Connection db) throws SQLException {
        return BenchDatabase.count(db, "SELECT pg_current_wal_lsn() - '0/0'::pg_lsn");
    }
}
