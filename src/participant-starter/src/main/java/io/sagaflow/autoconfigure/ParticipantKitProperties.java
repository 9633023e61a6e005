package io.sagaflow.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What a participant service sets for the kit (the jar {@code sagaflow-<version>-participant-kit.jar}).
 * The kit's other settings are the ones the full service reads too: {@code sagaflow.messaging.*}
 * (payload limit, retries, queue type), {@code sagaflow.outbox.*} (relay) and Spring's
 * {@code spring.rabbitmq.*} (prefetch, concurrency, publisher confirms).
 *
 * @param migrate create and upgrade the kit's tables ({@code inbox_message}, {@code parked_message},
 *     {@code participant_barrier}, {@code outbox_message} in schema {@code sagaflow}) with Flyway at
 *     start-up, history in {@code sagaflow.participant_kit_schema_history}; switch off when the
 *     service's own migrations create them
 */
@ConfigurationProperties("sagaflow.participant")
public record ParticipantKitProperties(@DefaultValue("true") boolean migrate) {

    /** The kit's tables live in this schema of the participant's database (the SQL names it). */
    public static final String SCHEMA = "sagaflow";
    /** The kit's migrations (PostgreSQL). */
    public static final String MIGRATIONS = "classpath:db/participant-kit";
    /** Flyway history table of the kit, apart from the service's own. */
    public static final String HISTORY_TABLE = "participant_kit_schema_history";
}
