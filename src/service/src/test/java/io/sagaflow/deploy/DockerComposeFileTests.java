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
 * There is no Docker engine in CI, so the compose file is checked as data (YAML merge keys
 * resolved, as compose does): the services, the images, the ports, the roles and the environment
 * that makes every instance use PostgreSQL + RabbitMQ.
 */
class DockerComposeFileTests {

    private static final List<String> ORCHESTRATORS = List.of("orchestrator-1", "orchestrator-2");
    private static final List<String> SAGAFLOW_SERVICES = List.of("orchestrator-1", "orchestrator-2", "participants");

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
    void runsPostgresRabbitmqWithManagementUiTwoOrchestratorsAndTheParticipants() {
        assertThat(services).containsOnlyKeys("postgres", "rabbitmq", "orchestrator-1", "orchestrator-2", "participants",
                "jaeger");
        assertThat((List<Object>) services.get("jaeger").get("profiles")).as("Jaeger only on request")
                .containsExactly("tracing");
        assertThat((String) services.get("postgres").get("image")).startsWith("postgres:15");
        assertThat((String) services.get("rabbitmq").get("image")).contains("management");
        assertThat((List<Object>) services.get("rabbitmq").get("ports")).contains("15672:15672");
        SAGAFLOW_SERVICES.forEach(name -> assertThat(services.get(name))
                .as(name).containsEntry("image", "sagaflow:latest").containsEntry("build", "."));
        assertThat((List<Object>) services.get("orchestrator-1").get("ports")).containsExactly("8080:8080");
        assertThat((List<Object>) services.get("orchestrator-2").get("ports")).containsExactly("8081:8080");
        // No host port: the participants service can be scaled out.
        assertThat(services.get("participants")).doesNotContainKey("ports");
        assertThat(Files.exists(Path.of("Dockerfile"))).isTrue();
    }

    @Test
    void theImageRunsWithTheMemoryOptionsTheBenchmarkMeasured() throws Exception {
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        // The same string as io.sagaflow.bench.BenchSettings.SERVICE_JVM_OPTIONS (docs/performance.md).
        assertThat(dockerfile).contains("MALLOC_ARENA_MAX=2").contains("JAVA_TOOL_OPTIONS=\"-Xms128m -Xmx256m "
                + "-XX:+UseSerialGC -XX:ReservedCodeCacheSize=64m -XX:MaxMetaspaceSize=200m -Xss512k\"");
    }

    @Test
    void eachInstanceRunsTheProdProfileAgainstTheComposeServicesWithCredentialsFromTheEnvironment() {
        SAGAFLOW_SERVICES.forEach(name -> {
            Map<String, String> environment = environment(name);
            assertThat(environment).as(name).containsEntry("SPRING_PROFILES_ACTIVE", "prod")
                    .containsEntry("SPRING_DATASOURCE_URL", "jdbc:postgresql://postgres:5432/sagaflow")
                    .containsEntry("SPRING_RABBITMQ_HOST", "rabbitmq")
                    .containsKey("SAGAFLOW_MESSAGING_QUEUE_TYPE");
            assertThat(environment.get("SAGAFLOW_ADMIN_USER")).as(name).startsWith("${SAGAFLOW_ADMIN_USER:?");
            assertThat(environment.get("SAGAFLOW_ADMIN_PASSWORD")).as(name).startsWith("${SAGAFLOW_ADMIN_PASSWORD:?");
        });
    }

    @Test
    void rolesSplitOrchestratorsFromParticipants() {
        ORCHESTRATORS.forEach(name -> assertThat(environment(name)).as(name)
                .containsEntry("SAGAFLOW_ROLES_ORCHESTRATOR_ENABLED", "true")
                .containsEntry("SAGAFLOW_ROLES_PARTICIPANTS", "none"));
        assertThat(environment("participants"))
                .containsEntry("SAGAFLOW_ROLES_ORCHESTRATOR_ENABLED", "false")
                .containsEntry("SAGAFLOW_ROLES_PARTICIPANTS", "all");
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyServiceHasAHealthCheckAndARestartPolicyAndWaitsForItsDependencies() {
        services.forEach((name, service) -> assertThat(service).as(name).containsKeys("healthcheck", "restart"));
        SAGAFLOW_SERVICES.forEach(name -> {
            Map<String, Map<String, String>> dependsOn =
                    (Map<String, Map<String, String>>) services.get(name).get("depends_on");
            assertThat(dependsOn.get("postgres")).as(name).containsEntry("condition", "service_healthy");
            assertThat(dependsOn.get("rabbitmq")).as(name).containsEntry("condition", "service_healthy");
        });
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> environment(String service) {
        return (Map<String, String>) services.get(service).get("environment");
    }
}
