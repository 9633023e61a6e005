package io.sagaflow.participant.kit;

import java.time.Clock;

import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sagaflow.messaging.MessagingProperties;
import io.sagaflow.outbox.OutboxProperties;
import io.sagaflow.retention.RetentionProperties;
import org.flywaydb.core.Flyway;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.context.annotation.FilterType;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The participant kit in a Spring Boot service of its own (the {@code participant-kit} jar): inbox,
 * parking, barrier, replies through the service's own outbox and relay. The service declares
 * {@code Participant} beans; this registers the kit's components, migrates the kit's tables and
 * starts one consumer per participant.
 *
 * <p>Inactive inside the full Sagaflow service ({@code io.sagaflow.SagaflowApplication} on the
 * class path), whose own component scan already registers the same components: a condition of the
 * parse phase, so the {@code @ComponentScan} below is not even read there.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
        "org.springframework.boot.autoconfigure.amqp.RabbitAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnMissingClass("io.sagaflow.SagaflowApplication")
@EnableConfigurationProperties({ParticipantKitProperties.class, MessagingProperties.class, OutboxProperties.class,
        RetentionProperties.class})
@EnableScheduling
@ComponentScan(basePackages = {"io.sagaflow.participant", "io.sagaflow.messaging", "io.sagaflow.outbox",
        "io.sagaflow.tracing"}, excludeFilters = @ComponentScan.Filter(type = FilterType.REGEX,
        pattern = {"io\\.sagaflow\\.participant\\.kit\\..*", "io\\.sagaflow\\.messaging\\.embedded\\..*"}))
public class ParticipantKitAutoConfiguration {

    @Bean
    @ConditionalOnMissingBean
    Clock sagaflowClock() {
        return Clock.systemUTC();
    }

    /** Without Actuator there is no registry; the kit's counters then go to one of its own. */
    @Bean
    @ConditionalOnMissingBean
    MeterRegistry sagaflowMeterRegistry() {
        return new SimpleMeterRegistry();
    }

    /** Before any consumer or relay starts (they are lifecycle beans, started after every singleton). */
    @Bean
    InitializingBean participantKitSchema(ParticipantKitProperties properties, DataSource dataSource) {
        return () -> {
            if (properties.migrate()) {
                Flyway.configure().dataSource(dataSource)
                        .schemas(ParticipantKitProperties.SCHEMA)
                        .table(ParticipantKitProperties.HISTORY_TABLE)
                        .locations(ParticipantKitProperties.MIGRATIONS)
                        .load().migrate();
            }
        };
    }
}
