package io.sagaflow;

import io.sagaflow.autoconfigure.ParticipantKitAutoConfiguration;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The service. Its scan registers the participant starter's components too (the examples run as
 * participants in it), and its own migrations create the starter's tables beside the orchestrator's,
 * so the starter's auto-configuration, meant for a participant service of its own, stays out.
 */
@SpringBootApplication(exclude = ParticipantKitAutoConfiguration.class)
@ConfigurationPropertiesScan
@EnableScheduling
public class SagaflowApplication {

    public static void main(String[] args) {
        SpringApplication.run(SagaflowApplication.class, args);
    }
}
