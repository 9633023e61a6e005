package io.sagaflow.participant;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

import io.sagaflow.autoconfigure.ParticipantTables;
import io.sagaflow.testing.QueryPlans;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The starter's tables are what its own migrations create in a participant's database, and what the
 * service's migrations (V1 to V13, from before the starter had a history) created in the service's:
 * the same columns, types, defaults, identities, constraints and indexes, read from PostgreSQL's
 * catalog. That is what lets the service baseline the starter's history over them at version 1, so
 * a later change to these tables is a starter migration and nothing else.
 *
 * <p>Real-services profile: PostgreSQL.
 */
@DisplayName("The starter's tables are the same in a participant's database and in the service's")
class ParticipantTablesAgreePostgresTests {

    private static final String TABLES = "'outbox_message', 'inbox_message', 'parked_message', 'participant_barrier', 'outbox_hold'";

    @Test
    @DisplayName("columns, constraints and indexes of the five tables agree, and the service's database has the starter's history from 1:BASELINE on")
    void theTwoDefinitionsAgree() throws Exception {
        QueryPlans.dropDatabase("sagaflow_kit_tables_kit");
        try (Connection admin = QueryPlans.connect("postgres"); Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE sagaflow_kit_tables_kit");
        }
        ParticipantTables.migrate(dataSource("sagaflow_kit_tables_kit"));
        QueryPlans.createMigratedDatabase("sagaflow_kit_tables_service");
        ParticipantTables.migrateInTheService(dataSource("sagaflow_kit_tables_service"));

        for (String query : List.of(COLUMNS, CONSTRAINTS, INDEXES)) {
            assertThat(rows("sagaflow_kit_tables_service", query)).as(query)
                    .containsExactlyElementsOf(rows("sagaflow_kit_tables_kit", query));
        }
        assertThat(rows("sagaflow_kit_tables_service",
                "SELECT version || ':' || type FROM sagaflow.participant_kit_schema_history ORDER BY installed_rank"))
                .containsExactly("1:BASELINE", "2:SQL");
    }

    private static final String COLUMNS = """
            SELECT table_name::text || '.' || column_name::text || ' ' || data_type::text || ' '
                   || COALESCE(character_maximum_length::text, '-') || ' null=' || is_nullable::text
                   || ' default=' || COALESCE(column_default::text, '-') || ' identity=' || is_identity::text
                   || ' ' || COALESCE(identity_generation::text, '-')
            FROM information_schema.columns WHERE table_schema = 'sagaflow' AND table_name IN (%s)
            ORDER BY table_name, column_name
            """.formatted(TABLES);

    /** Definitions, not names: the same constraint may carry another generated name. */
    private static final String CONSTRAINTS = """
            SELECT c.relname::text || ' ' || con.contype::text || ' ' || pg_get_constraintdef(con.oid)
            FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'sagaflow' AND c.relname IN (%s)
            ORDER BY 1
            """.formatted(TABLES);

    /** Definitions without the index name, which the service's migrations chose one by one. */
    private static final String INDEXES = """
            SELECT tablename::text || ' ' || regexp_replace(indexdef, '^CREATE (UNIQUE )?INDEX \\S+ ', 'CREATE \\1INDEX ')
            FROM pg_indexes WHERE schemaname = 'sagaflow' AND tablename IN (%s)
            ORDER BY 1
            """.formatted(TABLES);

    private static DriverManagerDataSource dataSource(String database) {
        return new DriverManagerDataSource(QueryPlans.SERVER + database, QueryPlans.USER, "");
    }

    private static List<String> rows(String database, String sql) throws SQLException {
        try (Connection db = QueryPlans.connect(database); Statement statement = db.createStatement();
             ResultSet rows = statement.executeQuery(sql)) {
            List<String> values = new ArrayList<>();
            while (rows.next()) {
                values.add(rows.getString(1));
            }
            return values;
        }
    }
}
