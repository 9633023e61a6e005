package io.sagaflow.autoconfigure;

import java.time.Clock;

import javax.sql.DataSource;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sagaflow.messaging.Inbox;
import io.sagaflow.messaging.MessagingProperties;
import io.sagaflow.outbox.Outbox;
import io.sagaflow.outbox.OutboxProperties;
import io.sagaflow.participant.Participant;
import io.sagaflow.retention.RetentionProperties;
import io.sagaflow.tracing.SagaTracing;
import org.springframework.beans.factory.InitializingBean;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The participant starter in a Spring Boot service of its own ({@code
 * sagaflow-participant-spring-boot-starter}): inbox, parking, barrier, replies through the service's
 * own outbox and relay. The service declares {@code Participant} beans; this registers the starter's
 * components, migrates its tables and starts one consumer per participant.
 *
 * <p>The Sagaflow service excludes it by name of class ({@code SagaflowApplication}): its own scan
 * registers the same components and its own migrations create the same tables.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
        "org.springframework.boot.autoconfigure.amqp.RabbitAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.actuate.autoconfigure.metrics.export.simple.SimpleMetricsExportAutoConfiguration"})
@EnableConfigurationProperties({ParticipantKitProperties.class, MessagingProperties.class, OutboxProperties.class,
        RetentionProperties.class})
@EnableScheduling
@ComponentScan(basePackageClasses = {Participant.class, Inbox.class, Outbox.class, SagaTracing.class})
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
                ParticipantTables.migrate(dataSource);
            }
        };
    }
}
