package io.sagaflow.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.math.BigDecimal;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.SagaflowApplication;
import io.sagaflow.plans.QueryPlans;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A payment service built on the participant kit jar alone ({@code src/test/kit-fixture}) runs the
 * order saga's payment step in a JVM and a PostgreSQL database of its own, with the real
 * orchestrator (here, every example participant but {@code payment}) on RabbitMQ.
 *
 * <p>The fixture JVM's class path is the kit jar ({@code target/*-participant-kit.jar}, built at
 * process-classes), the third-party jars its pom lists ({@code mvn dependency:build-classpath}) and
 * its own classes, compiled here against exactly that: a reference to anything else of Sagaflow
 * fails the compilation, Camunda or the orchestrator are not there to be found. Counted from the
 * fixture's own database: one charge per saga, its barrier rows, its replies; the database holds
 * the kit's four tables and the fixture's, nothing of the orchestrator.
 *
 * <p>{@code -Dsagaflow.kit-test.decline-all=true} starts the fixture broken (every charge declined):
 * the test then fails, as it must.
 *
 * <p>Runs in the real-services profile (PostgreSQL, a local RabbitMQ whose {@code rabbitmqctl} it
 * calls, {@code mvn} on the PATH); it fails without them, it never skips.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("A payment service on the participant kit jar alone runs the order saga's payment step in its own JVM and database")
class KitPaymentParticipantPostgresTests {

    private static final String VHOST = "sagaflow-kit-test";
    private static final String ORCHESTRATOR_DB = "sagaflow_kit_test";
    private static final String PAYMENT_DB = "sagaflow_kit_payment";
    private static final String RABBIT_HOST = System.getProperty("sagaflow.node-test.rabbit-host", "127.0.0.1");
    private static final Path FIXTURE = Path.of("src", "test", "kit-fixture");
    private static final Path WORK = Path.of("target", "kit-fixture");
    private static final Duration TIMEOUT = Duration.ofSeconds(90);

    private final ObjectMapper json = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private ConfigurableApplicationContext orchestrator;
    private Process fixture;
    private Path fixtureLog;
    private String baseUrl;

    @BeforeAll
    void start() throws Exception {
        freshVirtualHost();
        QueryPlans.dropDatabase(ORCHESTRATOR_DB);
        QueryPlans.dropDatabase(PAYMENT_DB);
        try (Connection admin = QueryPlans.connect("postgres"); Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + ORCHESTRATOR_DB);
            statement.execute("CREATE DATABASE " + PAYMENT_DB);
        }
        startFixture();
        orchestrator = new SpringApplicationBuilder(SagaflowApplication.class).profiles("prod").run(
                "--spring.datasource.url=" + QueryPlans.SERVER + ORCHESTRATOR_DB,
                "--spring.rabbitmq.host=" + RABBIT_HOST,
                "--spring.rabbitmq.virtual-host=" + VHOST,
                "--sagaflow.roles.participants=inventory,shipping,shop,car,hotel,flight",
                // Own engine name without a hyphen (see NodeCarParticipantPostgresTests).
                "--camunda.bpm.process-engine-name=kittest",
                "--camunda.bpm.webapp.enabled=false", // (ditto: Cockpit's runtime is static)
                "--server.port=0");
        baseUrl = "http://127.0.0.1:" + orchestrator.getEnvironment().getProperty("local.server.port");
    }

    @AfterAll
    void stop() throws Exception {
        if (fixture != null) {
            fixture.destroy();
            if (!fixture.waitFor(20, TimeUnit.SECONDS)) {
                fixture.destroyForcibly();
            }
        }
        if (orchestrator != null) {
            orchestrator.close();
        }
    }

    // ---- the tests ------------------------------------------------------------------------------

    @Test
    @DisplayName("orders complete: one CHARGED row, one ACTION:SUCCESS barrier row and one sent reply per saga in the fixture's database")
    void ordersComplete() throws Exception {
        List<String> sagas = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            sagas.add(startOrder("99.50", "DE"));
        }
        for (String saga : sagas) {
            assertThat(awaitEnd(saga)).isEqualTo("COMPLETED");
            assertThat(charges(saga)).containsExactly("CHARGED:99.50");
            assertThat(barrier(saga)).containsExactly("ACTION:SUCCESS");
            assertThat(sentReplies(saga)).isEqualTo(1);
        }
        assertThat(count("SELECT COUNT(*) FROM sagaflow.parked_message")).isZero();
    }

    @Test
    @DisplayName("orders refused by shipping compensate through the fixture: charged once, refunded once")
    void ordersCompensateAfterTheCharge() throws Exception {
        List<String> sagas = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            sagas.add(startOrder("40.00", "XX")); // shipping refuses country XX
        }
        for (String saga : sagas) {
            assertThat(awaitEnd(saga)).isEqualTo("COMPENSATED");
            assertThat(charges(saga)).containsExactly("REFUNDED:40.00");
            assertThat(barrier(saga)).containsExactly("ACTION:SUCCESS", "COMPENSATION:SUCCESS");
            assertThat(sentReplies(saga)).isEqualTo(2);
        }
    }

    @Test
    @DisplayName("an amount over the limit is declined by the fixture: no charge, the saga compensates")
    void declinedChargeCompensates() throws Exception {
        String saga = startOrder("20000.00", "DE");
        assertThat(awaitEnd(saga)).isEqualTo("COMPENSATED");
        assertThat(charges(saga)).isEmpty();
        assertThat(barrier(saga)).containsExactly("ACTION:BUSINESS_FAILURE");
        assertThat(sentReplies(saga)).isEqualTo(1);
    }

    @Test
    @DisplayName("the fixture's database holds the kit's tables and its own, nothing of the orchestrator")
    void theFixtureDatabaseHoldsTheKitTablesOnly() throws Exception {
        assertThat(list("""
                SELECT table_schema || '.' || table_name FROM information_schema.tables
                WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1
                """)).containsExactly(
                "payment_kit.charge", "payment_kit.flyway_schema_history",
                "sagaflow.inbox_message", "sagaflow.outbox_message", "sagaflow.parked_message",
                "sagaflow.participant_barrier", "sagaflow.participant_kit_schema_history");
    }

    // ---- the orchestrator's side ------------------------------------------------------------------

    private String startOrder(String amount, String country) throws Exception {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("orderId", "order-" + UUID.randomUUID());
        variables.put("customerId", "customer-" + UUID.randomUUID());
        variables.put("sku", "SKU-1");
        variables.put("quantity", 1);
        variables.put("amount", new BigDecimal(amount));
        variables.put("country", country);
        HttpResponse<String> response = http.send(authorized("/api/sagas/order-fulfillment")
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(variables))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
        return json.readTree(response.body()).path("sagaId").asText();
    }

    private String awaitEnd(String sagaId) {
        return await("saga " + sagaId + " to end").atMost(TIMEOUT).pollInterval(Duration.ofMillis(250)).until(() -> {
            HttpResponse<String> response = http.send(authorized("/api/sagas/" + sagaId).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            return json.readTree(response.body()).path("status").asText();
        }, status -> !"RUNNING".equals(status) && !status.isEmpty());
    }

    private HttpRequest.Builder authorized(String path) {
        String credentials = System.getenv("SAGAFLOW_ADMIN_USER") + ":" + System.getenv("SAGAFLOW_ADMIN_PASSWORD");
        return HttpRequest.newBuilder(URI.create(baseUrl + path)).header("Authorization",
                "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
    }

    // ---- the fixture's database ---------------------------------------------------------------------

    private List<String> charges(String sagaId) throws SQLException {
        return list("SELECT status || ':' || amount FROM payment_kit.charge WHERE saga_id = ?", sagaId);
    }

    private List<String> barrier(String sagaId) throws SQLException {
        return list("SELECT op || ':' || outcome FROM sagaflow.participant_barrier "
                + "WHERE participant = 'payment' AND saga_id = ? AND step = 'Task_ChargePayment' ORDER BY op", sagaId);
    }

    /** Replies of the saga in the fixture's outbox, once none is PENDING any more. */
    private long sentReplies(String sagaId) {
        String ofSaga = "FROM sagaflow.outbox_message WHERE CAST(headers AS jsonb) ->> 'sagaflow-saga-id' = ?";
        return await("the fixture's outbox to send the replies of " + sagaId).atMost(TIMEOUT).until(() -> {
            if (count("SELECT COUNT(*) " + ofSaga + " AND status <> 'SENT'", sagaId) > 0) {
                return -1L;
            }
            return count("SELECT COUNT(*) " + ofSaga, sagaId);
        }, sent -> sent >= 0);
    }

    private long count(String sql, Object... arguments) throws SQLException {
        List<String> values = list(sql, arguments);
        assertThat(values).as(sql).hasSize(1);
        return Long.parseLong(values.get(0));
    }

    private List<String> list(String sql, Object... arguments) throws SQLException {
        try (Connection db = QueryPlans.connect(PAYMENT_DB); PreparedStatement statement = db.prepareStatement(sql)) {
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

    // ---- the fixture JVM ------------------------------------------------------------------------------

    private void startFixture() throws Exception {
        Path kitJar = kitJar();
        Files.createDirectories(WORK);
        Path classpathFile = WORK.resolve("dependencies.txt").toAbsolutePath();
        run(List.of("mvn", "-B", "-q", "-f", FIXTURE.resolve("pom.xml").toString(), "dependency:build-classpath",
                "-Dmdep.outputFile=" + classpathFile));
        String dependencies = Files.readString(classpathFile).trim();
        assertThat(dependencies).as("the fixture's third-party class path").doesNotContain("camunda", "qpid",
                "sagaflow");

        // The fixture's classes, compiled against the kit jar and those dependencies alone.
        Path classes = WORK.resolve("classes");
        deleteRecursively(classes);
        Files.createDirectories(classes);
        List<String> sources;
        try (Stream<Path> files = Files.walk(FIXTURE.resolve("src/main/java"))) {
            sources = files.filter(f -> f.toString().endsWith(".java")).map(Path::toString).toList();
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> arguments = new ArrayList<>(List.of("-d", classes.toString(), "-classpath",
                kitJar + File.pathSeparator + dependencies, "--release", "17"));
        arguments.addAll(sources);
        assertThat(javac.run(null, null, null, arguments.toArray(String[]::new)))
                .as("the fixture compiles against the kit jar alone").isZero();
        copyRecursively(FIXTURE.resolve("src/main/resources"), classes);

        String classpath = String.join(File.pathSeparator, kitJar.toString(), classes.toAbsolutePath().toString(),
                dependencies);
        fixtureLog = Path.of("target", "kit-payment-participant.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-Xmx256m", "-cp", classpath,
                "kitfixture.payment.KitPaymentApplication",
                "--spring.datasource.url=" + QueryPlans.SERVER + PAYMENT_DB,
                "--spring.datasource.username=" + QueryPlans.USER,
                "--spring.rabbitmq.host=" + RABBIT_HOST,
                "--spring.rabbitmq.virtual-host=" + VHOST,
                "--fixture.decline-all=" + Boolean.getBoolean("sagaflow.kit-test.decline-all"))
                .redirectErrorStream(true).redirectOutput(fixtureLog.toFile());
        fixture = builder.start();
        await("the kit payment service to start").atMost(TIMEOUT).until(() -> {
            if (!fixture.isAlive()) {
                fail("the fixture exited with " + fixture.exitValue() + ":\n" + Files.readString(fixtureLog));
            }
            return Files.readString(fixtureLog).contains("Started KitPaymentApplication");
        });
    }

    private static Path kitJar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            List<Path> jars = files.filter(f -> f.getFileName().toString().endsWith("-participant-kit.jar")).toList();
            assertThat(jars).as("target/*-participant-kit.jar (built at process-classes)").hasSize(1);
            return jars.get(0).toAbsolutePath();
        }
    }

    private static void copyRecursively(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                Files.createDirectories(target.getParent());
                Files.copy(file, target);
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(file);
            }
        }
    }

    /** A virtual host of this test alone, empty: no other service in it. */
    private static void freshVirtualHost() throws Exception {
        run(List.of("rabbitmqctl", "-q", "delete_vhost", VHOST), true);
        run(List.of("rabbitmqctl", "-q", "add_vhost", VHOST), false);
        run(List.of("rabbitmqctl", "-q", "set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*"), false);
    }

    private static void run(List<String> command) throws Exception {
        run(command, false);
    }

    private static void run(List<String> command, boolean mayFail) throws Exception {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
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
