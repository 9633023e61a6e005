package io.sagaflow;

import javax.sql.DataSource;

import io.sagaflow.autoconfigure.ParticipantTables;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.flyway.FlywayMigrationInitializer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The participant starter's tables in the service's database. The service's own migrations (V1 to
 * V13) created them before the starter had a history of its own; that history is baselined over
 * them, and every later change to them is the starter's migration only
 * ({@link ParticipantTables}).
 */
@Configuration(proxyBeanMethods = false)
class ParticipantTablesConfiguration {

    /** After the service's own tables, before any consumer or relay starts (lifecycle beans start after every singleton). */
    @Bean
    InitializingBean participantTablesMigration(DataSource dataSource,
                                                ObjectProvider<FlywayMigrationInitializer> serviceTables) {
        return () -> {
            serviceTables.ifAvailable(initializer -> { });
            ParticipantTables.migrateInTheService(dataSource);
        };
    }
}
