package io.sagaflow.autoconfigure;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

import javax.sql.DataSource;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;

/**
 * The starter's tables ({@code inbox_message}, {@code parked_message}, {@code participant_barrier},
 * {@code outbox_message} in schema {@code sagaflow}) and their one definition: the migrations in
 * {@code db/participant-kit}, with a Flyway history of their own
 * ({@code sagaflow.participant_kit_schema_history}). A change to these tables is a new migration
 * there and nowhere else.
 */
public final class ParticipantTables {

    /** The version up to which the Sagaflow service's own migrations (V1 to V13) created the same tables. */
    static final String CREATED_BY_THE_SERVICE_HISTORY = "1";

    private ParticipantTables() {
    }

    /** In a participant service's database: creates the tables, or upgrades them. */
    public static void migrate(DataSource dataSource) throws SQLException {
        flyway(dataSource).load().migrate();
    }

    /**
     * In the Sagaflow service's database, after its own migrations: those created the tables up to
     * version 1 of this history (PostgreSQL and H2 alike), so version 1 is recorded as a baseline and
     * only later versions run.
     */
    public static void migrateInTheService(DataSource dataSource) throws SQLException {
        // No quote in the description: Flyway writes it into its SQL as it is.
        Flyway flyway = flyway(dataSource).baselineVersion(CREATED_BY_THE_SERVICE_HISTORY)
                .baselineDescription("created by the Sagaflow service migrations").load();
        if (flyway.info().applied().length == 0) {
            flyway.baseline();
        }
        flyway.migrate();
    }

    private static FluentConfiguration flyway(DataSource dataSource) throws SQLException {
        boolean upperCase;
        try (Connection connection = dataSource.getConnection()) {
            // Flyway quotes schema names: H2 folds unquoted names to upper case, PostgreSQL to lower case.
            upperCase = connection.getMetaData().storesUpperCaseIdentifiers();
        }
        String schema = ParticipantKitProperties.SCHEMA;
        return Flyway.configure().dataSource(dataSource)
                .schemas(upperCase ? schema.toUpperCase(Locale.ROOT) : schema)
                .table(ParticipantKitProperties.HISTORY_TABLE)
                .locations(ParticipantKitProperties.MIGRATIONS);
    }
}
