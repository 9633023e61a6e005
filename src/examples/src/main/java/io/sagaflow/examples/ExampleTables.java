package io.sagaflow.examples;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import javax.sql.DataSource;

import io.sagaflow.roles.ConditionalOnAnyParticipantRole;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.flyway.FlywayMigrationInitializer;
import org.springframework.boot.jdbc.DatabaseDriver;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The example participants' tables, with a Flyway history of their own ({@code
 * examples.flyway_examples_history}), migrated only on instances that host an example participant:
 * an orchestrator with {@code sagaflow.roles.participants: none} gets none of them.
 *
 * <p>Up to 0.1.0 of 2026-12-07 these migrations (versions 3, 4, 6, 9 and 16) were in the service's
 * own history. A database migrated then has their tables and rows already; it is baselined at the
 * highest of those versions the service's history recorded, so nothing runs twice and a later
 * example migration still runs.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnAnyParticipantRole
class ExampleTables {

    static final List<String> SCHEMAS = List.of("examples", "inventory", "payment", "shipping", "car", "hotel",
            "flight", "shop");
    static final String HISTORY_TABLE = "flyway_examples_history";
    /** The example migrations that the service's own history held before they moved here. */
    private static final List<String> VERSIONS_ONCE_IN_THE_SERVICE_HISTORY = List.of("3", "4", "6", "9", "16");

    /** After the service's tables, before any participant consumer starts (lifecycle beans start after every singleton). */
    @Bean
    InitializingBean exampleTablesMigration(DataSource dataSource,
                                            ObjectProvider<FlywayMigrationInitializer> serviceTables) {
        return () -> {
            serviceTables.ifAvailable(initializer -> { });
            migrate(dataSource);
        };
    }

    static void migrate(DataSource dataSource) throws SQLException {
        boolean upperCase;
        String vendor;
        try (Connection connection = dataSource.getConnection()) {
            DatabaseMetaData metaData = connection.getMetaData();
            // Flyway quotes schema names: H2 folds unquoted names to upper case, PostgreSQL to lower case.
            upperCase = metaData.storesUpperCaseIdentifiers();
            // What Spring Boot's {vendor} in spring.flyway.locations becomes; plain Flyway knows no such placeholder.
            vendor = DatabaseDriver.fromJdbcUrl(metaData.getURL()).getId();
        }
        FluentConfiguration flyway = Flyway.configure().dataSource(dataSource)
                .schemas(SCHEMAS.stream().map(name -> upperCase ? name.toUpperCase(Locale.ROOT) : name)
                        .toArray(String[]::new))
                .table(HISTORY_TABLE)
                .locations("classpath:db/examples/common", "classpath:db/examples/" + vendor);
        versionInTheServiceHistory(new JdbcTemplate(dataSource), upperCase)
                .ifPresent(version -> flyway.baselineOnMigrate(true).baselineVersion(version)
                        .baselineDescription("example tables migrated in the service history up to 0.1.0"));
        flyway.load().migrate();
    }

    /** The highest example migration that a database migrated before the move recorded in the service's history. */
    private static Optional<String> versionInTheServiceHistory(JdbcTemplate jdbc, boolean upperCase) {
        String schema = upperCase ? "\"SAGAFLOW\"" : "sagaflow";
        Integer exists = jdbc.queryForObject("SELECT COUNT(*) FROM information_schema.tables "
                        + "WHERE LOWER(table_schema) = 'sagaflow' AND table_name = 'flyway_schema_history'",
                Integer.class);
        if (exists == null || exists == 0) {
            return Optional.empty();
        }
        List<Integer> applied = jdbc.queryForList("SELECT CAST(\"version\" AS INTEGER) FROM " + schema
                + ".\"flyway_schema_history\" WHERE \"success\" AND \"version\" IN ("
                + String.join(",", VERSIONS_ONCE_IN_THE_SERVICE_HISTORY.stream().map(v -> "'" + v + "'").toList())
                + ")", Integer.class);
        return applied.stream().max(Integer::compare).map(String::valueOf);
    }
}
