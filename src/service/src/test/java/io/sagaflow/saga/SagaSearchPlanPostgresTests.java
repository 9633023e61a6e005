package io.sagaflow.saga;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import io.sagaflow.testing.QueryPlans;
import io.sagaflow.start.SagaStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Saga search stays an index range read with a million ended sagas in the registry: the plan of the
 * exact statement {@link SagaRegistry#searchStatement} builds, for every filter, read from PostgreSQL
 * on a database migrated by our own Flyway scripts. Judged by plan shape and pages touched, not time.
 *
 * <p>Runs in the real-services profile only (it needs PostgreSQL), on a database of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SagaSearchPlanPostgresTests {

    private static final String DATABASE = "sagaflow_search_plan";
    private static final int ENDED_SAGAS = Integer.getInteger("sagaflow.plan.ended-sagas", 1_000_000);
    private static final int RUNNING_SAGAS = 100;
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @BeforeAll
    void migrateAndFill() throws SQLException {
        QueryPlans.createMigratedDatabase(DATABASE);
        try (Connection db = QueryPlans.connect(DATABASE); Statement statement = db.createStatement()) {
            // A million ended sagas of 30 days, two processes (the older half on version 1), one in ten
            // compensated, 50 clients ...
            statement.execute("""
                    INSERT INTO sagaflow.saga (saga_id, process_key, business_key, input_hash, status, reason,
                        started_at, ended_at, started_by, definition_version)
                    SELECT 'ended-' || i, CASE WHEN mod(i, 4) = 0 THEN 'trip-booking' ELSE 'order-fulfillment' END,
                        'order-' || i, 'hash', CASE WHEN mod(i, 10) = 0 THEN 'COMPENSATED' ELSE 'COMPLETED' END,
                        NULL, now() - interval '30 days' + i * interval '2 seconds',
                        now() - interval '30 days' + i * interval '2 seconds' + interval '1 second',
                        'client-' || mod(i, 50), CASE WHEN i <= %d THEN 1 ELSE 2 END
                    FROM generate_series(1, %d) AS i
                    """.formatted(ENDED_SAGAS / 2, ENDED_SAGAS));
            // ... and the live ones: running and a few in an incident.
            statement.execute("""
                    INSERT INTO sagaflow.saga (saga_id, process_key, business_key, input_hash, status, started_at)
                    SELECT 'live-' || i, 'order-fulfillment', 'live-order-' || i, 'hash',
                        CASE WHEN mod(i, 10) = 0 THEN 'FAILED' ELSE 'RUNNING' END, now() - i * interval '1 second'
                    FROM generate_series(1, %d) AS i
                    """.formatted(RUNNING_SAGAS));
            statement.execute("ANALYZE sagaflow.saga");
        }
    }

    @AfterAll
    void dropDatabase() throws SQLException {
        QueryPlans.dropDatabase(DATABASE);
    }

    static Stream<SagaQuery> searches() {
        Instant lastHour = NOW.minus(1, ChronoUnit.HOURS);
        return Stream.of(
                new SagaQuery(null, null, null, null, null, null, 0, 20),
                new SagaQuery(null, null, null, null, null, null, 10, 20),
                new SagaQuery("order-fulfillment", null, null, null, null, null, 0, 200),
                new SagaQuery(null, "order-4711", null, null, null, null, 0, 20),
                new SagaQuery("order-fulfillment", "order-4711", null, null, null, null, 0, 20),
                new SagaQuery(null, null, SagaStatus.RUNNING, null, null, null, 0, 20),
                new SagaQuery(null, null, SagaStatus.COMPENSATED, null, null, null, 0, 20),
                new SagaQuery("trip-booking", null, SagaStatus.COMPLETED, null, null, null, 0, 20),
                new SagaQuery("trip-booking", null, null, null, 2, null, 0, 20),
                new SagaQuery("trip-booking", null, null, null, 1, null, 0, 20),
                new SagaQuery(null, null, null, lastHour, null, null, 0, 20),
                new SagaQuery("order-fulfillment", null, SagaStatus.FAILED, lastHour, null, null, 0, 20),
                new SagaQuery(null, null, null, null, null, "client-7", 0, 20),
                new SagaQuery(null, null, SagaStatus.COMPLETED, null, null, "client-7", 0, 20));
    }

    @ParameterizedTest
    @MethodSource("searches")
    void everyFilterReadsAnIndexRangeNotTheTable(SagaQuery query) throws Exception {
        SagaRegistry.SearchStatement search = SagaRegistry.searchStatement(query);
        JsonNode plan;
        int rows = 0;
        try (Connection db = QueryPlans.connect(DATABASE)) {
            plan = QueryPlans.explain(db, search.sql(), search.arguments());
            try (var statement = db.prepareStatement(search.sql())) {
                for (int i = 0; i < search.arguments().size(); i++) {
                    statement.setObject(i + 1, search.arguments().get(i));
                }
                try (ResultSet rs = statement.executeQuery()) {
                    while (rs.next()) {
                        rows++;
                    }
                }
            }
        }
        List<String> scans = QueryPlans.scans(plan);
        long pages = QueryPlans.pagesTouched(plan);
        System.out.printf("[plan] saga search %s over %,d sagas: %.2f ms, %d pages, %d rows, scans %s%n", query,
                ENDED_SAGAS + RUNNING_SAGAS, plan.path("Execution Time").asDouble(), pages, rows, scans);

        assertThat(rows).as("rows found").isPositive();
        assertThat(scans).as("scans").isNotEmpty().noneMatch(scan -> scan.startsWith("Seq Scan"))
                .noneMatch(scan -> scan.startsWith("Bitmap Heap Scan"));
        // A page of at most 201 rows, plus the index pages leading to it and the rows skipped by the
        // offset: a few hundred pages, where the table has tens of thousands.
        assertThat(pages).isLessThan(1_000);
    }
}
