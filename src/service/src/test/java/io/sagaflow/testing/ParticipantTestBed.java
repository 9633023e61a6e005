package io.sagaflow.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.SagaflowApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A participant that runs outside this JVM (the kit fixture, the Node.js car rental) against a
 * second, real orchestrator in it: a RabbitMQ virtual host and an orchestrator database of their
 * own, created anew, so no other test's service consumes their messages (nor they another's); the
 * participant as a child process with a database of its own, which the tests count from; the
 * orchestrator's REST API to start sagas and see them end.
 *
 * <p>Needs PostgreSQL and a local RabbitMQ whose {@code rabbitmqctl} it calls: without them it
 * fails, it never skips.
 */
public final class ParticipantTestBed implements AutoCloseable {

    public static final String RABBIT_HOST = System.getProperty("sagaflow.node-test.rabbit-host", "127.0.0.1");

    private final String name;
    private final String participantDb;
    private final Duration timeout;
    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private ConfigurableApplicationContext orchestrator;
    private Process participant;
    private String baseUrl;

    /**
     * {@code name} names the virtual host ({@code sagaflow-<name>-test}), the orchestrator's database
     * ({@code sagaflow_<name>_test}) and its engine; {@code timeout} bounds every wait.
     */
    public ParticipantTestBed(String name, String participantDb, Duration timeout) {
        this.name = name;
        this.participantDb = participantDb;
        this.timeout = timeout;
    }

    public String virtualHost() {
        return "sagaflow-" + name + "-test";
    }

    public String participantDb() {
        return participantDb;
    }

    /** An empty virtual host and both databases, dropped and created anew: nothing left from an earlier run. */
    public void createVirtualHostAndDatabases() throws Exception {
        run(List.of("rabbitmqctl", "-q", "delete_vhost", virtualHost()), true, null);
        run(List.of("rabbitmqctl", "-q", "add_vhost", virtualHost()), false, null);
        run(List.of("rabbitmqctl", "-q", "set_permissions", "-p", virtualHost(), "guest", ".*", ".*", ".*"), false,
                null);
        String orchestratorDb = "sagaflow_" + name + "_test";
        QueryPlans.dropDatabase(orchestratorDb);
        QueryPlans.dropDatabase(participantDb);
        try (Connection admin = QueryPlans.connect("postgres"); Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + orchestratorDb);
            statement.execute("CREATE DATABASE " + participantDb);
        }
    }

    /** The orchestrator in this JVM, hosting the example participants named (all but the one under test). */
    public ConfigurableApplicationContext startOrchestrator(String participants) {
        // Command-line arguments: they outrank application-prod.yml (default properties would not).
        orchestrator = new SpringApplicationBuilder(SagaflowApplication.class).profiles("prod").run(
                "--spring.datasource.url=" + QueryPlans.SERVER + "sagaflow_" + name + "_test",
                "--spring.rabbitmq.host=" + RABBIT_HOST,
                "--spring.rabbitmq.virtual-host=" + virtualHost(),
                "--sagaflow.roles.participants=" + participants,
                // An engine name of its own (no hyphen: the starter ignores such names and falls
                // back to "default"), or closing this app unregisters the shared test context's engine
                // and engine-rest there finds none.
                "--camunda.bpm.process-engine-name=" + name + "test",
                // No webapps: Cockpit keeps its runtime in static fields, which a second app would
                // take over and leave closed for the shared context's Cockpit tests.
                "--camunda.bpm.webapp.enabled=false",
                "--server.port=0");
        baseUrl = "http://127.0.0.1:" + orchestrator.getEnvironment().getProperty("local.server.port");
        return orchestrator;
    }

    /** Starts the participant, its output to {@code log}, and waits until the log shows {@code ready}. */
    public void startParticipant(String what, ProcessBuilder builder, Path log, String ready) throws Exception {
        Files.createDirectories(log.toAbsolutePath().getParent());
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        try {
            participant = builder.start();
        } catch (IOException e) {
            fail("cannot start " + builder.command().get(0) + " (needed on the PATH by this test): " + e.getMessage());
        }
        await(what + " to start").atMost(timeout).until(() -> {
            if (!participant.isAlive()) {
                fail(what + " exited with " + participant.exitValue() + ":\n" + Files.readString(log));
            }
            return Files.readString(log).contains(ready);
        });
    }

    @Override
    public void close() {
        if (participant != null) {
            participant.destroy();
            try {
                if (!participant.waitFor(20, TimeUnit.SECONDS)) {
                    participant.destroyForcibly();
                }
            } catch (InterruptedException e) {
                participant.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        if (orchestrator != null) {
            orchestrator.close();
        }
    }

    // ---- the orchestrator's REST API ------------------------------------------------------------------

    /** POST /api/sagas/{processKey} as the admin, asserting 202; returns the saga id. */
    public String startSaga(String processKey, Map<String, Object> variables) throws Exception {
        HttpResponse<String> response = http.send(authorized("/api/sagas/" + processKey)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(variables))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return json.readTree(response.body()).path("sagaId").asText();
    }

    /** Polls the saga until it has a status other than RUNNING, and returns that. */
    public String awaitEnd(String sagaId) {
        return await("saga " + sagaId + " to end").atMost(timeout).pollInterval(Duration.ofMillis(250)).until(() -> {
            HttpResponse<String> response = http.send(authorized("/api/sagas/" + sagaId).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return json.readTree(response.body()).path("status").asText();
        }, status -> !"RUNNING".equals(status) && !status.isEmpty());
    }

    /** GET {@code path} as the admin, asserting 200; the body as JSON. */
    public JsonNode getJson(String path) throws Exception {
        HttpResponse<String> response = http.send(authorized(path).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET " + path + ": " + response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    /** POST {@code body} as JSON to {@code path} as the admin, asserting {@code status}; the answer as JSON. */
    public JsonNode postJson(String path, Object body, int status) throws Exception {
        HttpResponse<String> response = http.send(authorized(path).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(body))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("POST " + path + ": " + response.body()).isEqualTo(status);
        return json.readTree(response.body());
    }

    private HttpRequest.Builder authorized(String path) {
        String credentials = System.getenv("SAGAFLOW_ADMIN_USER") + ":" + System.getenv("SAGAFLOW_ADMIN_PASSWORD");
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Authorization",
                "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
    }

    // ---- the participant's database ---------------------------------------------------------------------

    public long count(String sql, Object... arguments) throws SQLException {
        return Long.parseLong(single(sql, arguments));
    }

    public String single(String sql, Object... arguments) throws SQLException {
        List<String> values = list(sql, arguments);
        assertThat(values).as(sql).hasSize(1);
        return values.get(0);
    }

    /** The first column of every row, as text. */
    public List<String> list(String sql, Object... arguments) throws SQLException {
        try (Connection db = QueryPlans.connect(participantDb);
             PreparedStatement statement = db.prepareStatement(sql)) {
            for (int i = 0; i < arguments.length; i++) {
                statement.setObject(i + 1, arguments[i]);
            }
            List<String> values = new ArrayList<>();
            try (ResultSet rs = statement.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
            return values;
        }
    }

    // ---- commands -------------------------------------------------------------------------------------

    /** Runs a command to its end (at most 5 minutes) in {@code dir} (null: here); a non-zero exit fails unless it may. */
    public static void run(List<String> command, boolean mayFail, File dir) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder(command).directory(dir).redirectErrorStream(true).start();
        } catch (IOException e) {
            fail("cannot run " + command.get(0) + " (needed on the PATH by this test): " + e.getMessage());
            return;
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            fail(command + " did not finish");
        }
        if (process.exitValue() != 0 && !mayFail) {
            fail(command + " failed with " + process.exitValue() + ":\n" + output);
        }
    }
}
