package io.sagaflow.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * There is no Docker engine in CI, so the compose file is checked as data: the services, the
 * images, the ports and the environment that makes the service use PostgreSQL + RabbitMQ.
 */
class DockerComposeFileTests {

    private static Map<String, Map<String, Object>> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void readComposeFile() throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("docker-compose.yml"))) {
            Map<String, Object> compose = new Yaml().load(in);
            services = (Map<String, Map<String, Object>>) compose.get("services");
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void runsPostgresRabbitmqWithManagementUiAndTheService() {
        assertThat(services).containsKeys("postgres", "rabbitmq", "sagaflow");
        assertThat((String) services.get("postgres").get("image")).startsWith("postgres:15");
        assertThat((String) services.get("rabbitmq").get("image")).contains("management");
        assertThat((List<Object>) services.get("rabbitmq").get("ports")).contains("15672:15672");
        assertThat((List<Object>) services.get("sagaflow").get("ports")).contains("8080:8080");
        assertThat(Files.exists(Path.of("Dockerfile"))).isTrue();
    }

    @Test
    @SuppressWarnings("unchecked")
    void theServiceRunsTheProdProfileAgainstTheComposeServicesWithCredentialsFromTheEnvironment() {
        Map<String, String> environment = (Map<String, String>) services.get("sagaflow").get("environment");
        assertThat(environment).containsEntry("SPRING_PROFILES_ACTIVE", "prod")
                .containsEntry("SPRING_DATASOURCE_URL", "jdbc:postgresql://postgres:5432/sagaflow")
                .containsEntry("SPRING_RABBITMQ_HOST", "rabbitmq");
        assertThat(environment.get("SAGAFLOW_ADMIN_USER")).startsWith("${SAGAFLOW_ADMIN_USER:?");
        assertThat(environment.get("SAGAFLOW_ADMIN_PASSWORD")).startsWith("${SAGAFLOW_ADMIN_PASSWORD:?");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyServiceHasAHealthCheckAndARestartPolicy() {
        services.forEach((name, service) -> {
            assertThat(service).as(name).containsKeys("healthcheck", "restart");
        });
        Map<String, Map<String, String>> dependsOn =
                (Map<String, Map<String, String>>) services.get("sagaflow").get("depends_on");
        assertThat(dependsOn.get("postgres")).containsEntry("condition", "service_healthy");
        assertThat(dependsOn.get("rabbitmq")).containsEntry("condition", "service_healthy");
    }
}
