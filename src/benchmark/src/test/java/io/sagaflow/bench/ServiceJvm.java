package io.sagaflow.bench;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The packaged service in its own JVM, as deployed: {@code java -cp sagaflow.jar PropertiesLauncher}
 * so that {@code -Dloader.path} can add the benchmark's service-side classes
 * ({@code io.sagaflow.bench.service}, active only under their profiles) without rebuilding the jar.
 */
final class ServiceJvm implements AutoCloseable {

    static final String ADMIN_USER = "bench-admin";
    static final String ADMIN_PASSWORD = "bench-admin-secret";
    /** Sagas are started as an API client, as in production; operators only read the bench endpoints. */
    static final String CLIENT_ID = "bench-client";
    static final String CLIENT_SECRET = "bench-client-secret";
    private static final String LAUNCHER = "org.springframework.boot.loader.launch.PropertiesLauncher";

    private final String name;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .executor(Executors.newFixedThreadPool(16)).build();
    private final String operatorAuthorization = basic(ADMIN_USER, ADMIN_PASSWORD);
    private final String clientAuthorization = basic(CLIENT_ID, CLIENT_SECRET);
    private final Process process;
    /** Starts the service refused with 503 (it sheds load) that {@link #postAsyncRetrying} sent again. */
    private final AtomicLong refusals = new AtomicLong();
    private final Path log;

    private ServiceJvm(String name, Process process, Path log, int port) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /**
     * Starts the jar with the given Spring arguments (profiles, datasource, ...) and waits until
     * {@code /actuator/health} answers 200.
     */
    static ServiceJvm start(BenchSettings settings, String name, List<String> springArguments) throws IOException {
        return start(settings, settings.serviceJvmOptions(), name, springArguments);
    }

    static ServiceJvm start(BenchSettings settings, String jvmOptions, String name, List<String> springArguments)
            throws IOException {
        Path serviceClasses = serviceClasses(settings);
        Path logDirectory = Path.of("target", "benchmark");
        Files.createDirectories(logDirectory);
        Path log = logDirectory.resolve(name + ".log");
        int port = freePort();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(Arrays.stream(jvmOptions.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList());
        command.addAll(List.of("-Dloader.path=" + serviceClasses, "-cp", settings.jar().toString(), LAUNCHER,
                "--server.port=" + port));
        command.addAll(springArguments);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().put("MALLOC_ARENA_MAX", "2"); // as the Dockerfile sets it
        builder.environment().put("SAGAFLOW_ADMIN_USER", ADMIN_USER);
        builder.environment().put("SAGAFLOW_ADMIN_PASSWORD", ADMIN_PASSWORD);
        builder.environment().put("SAGAFLOW_CLIENT_ID", CLIENT_ID);
        builder.environment().put("SAGAFLOW_CLIENT_SECRET", CLIENT_SECRET);
        ServiceJvm service = new ServiceJvm(name, builder.start(), log, port);
        service.awaitUp(Duration.ofMinutes(3));
        return service;
    }

    /** Only the service-side bench classes, not the whole test output (no test BPMNs, no test config). */
    private static Path serviceClasses(BenchSettings settings) throws IOException {
        Path source = settings.testClasses().resolve("io/sagaflow/bench/service");
        Path target = Path.of("target", "benchmark", "service-classes").toAbsolutePath();
        Path destination = target.resolve("io/sagaflow/bench/service");
        try (Stream<Path> files = Files.walk(source)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Path copy = destination.resolve(source.relativize(file).toString());
                Files.createDirectories(copy.getParent());
                Files.copy(file, copy, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        return target;
    }

    long pid() {
        return process.pid();
    }

    String name() {
        return name;
    }

    private void awaitUp(Duration timeout) {
        await(name + " up (log: " + log + ")").atMost(timeout).pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(name + " exited, see " + log);
                    }
                    return http.send(HttpRequest.newBuilder(uri("/actuator/health")).timeout(Duration.ofSeconds(3))
                            .GET().build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                });
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    CompletableFuture<HttpResponse<String>> postAsync(String path, String json) {
        return http.sendAsync(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", path.startsWith("/api/orders") ? clientAuthorization : operatorAuthorization)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * POST as a client that does what it is told: a 503 (the service sheds load, docs/architecture.md)
     * is sent again, with the same body (the same business key), after its {@code Retry-After}.
     */
    CompletableFuture<HttpResponse<String>> postAsyncRetrying(String path, String json) {
        return postAsync(path, json).thenCompose(response -> {
            if (response.statusCode() != 503) {
                return CompletableFuture.completedFuture(response);
            }
            refusals.incrementAndGet();
            long seconds = response.headers().firstValueAsLong("Retry-After").orElse(1);
            return CompletableFuture.supplyAsync(() -> json, CompletableFuture.delayedExecutor(seconds, TimeUnit.SECONDS))
                    .thenCompose(again -> postAsyncRetrying(path, again));
        });
    }

    /** How many starts the service refused so far (each sent again after its Retry-After). */
    long refusals() {
        return refusals.get();
    }

    String post(String path, String json) {
        try {
            HttpResponse<String> response = postAsync(path, json).get();
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("POST " + path + " answered " + response.statusCode() + ": "
                        + response.body());
            }
            return response.body();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new UncheckedIOException(new IOException(e.getCause()));
        }
    }

    /** Deploys a BPMN file through engine-rest (multipart), as an operator would. */
    void deploy(java.nio.file.Path bpmn) throws IOException, InterruptedException {
        String boundary = "bench-" + java.util.UUID.randomUUID();
        byte[] file = java.nio.file.Files.readAllBytes(bpmn);
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        String name = bpmn.getFileName().toString();
        body.write(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"deployment-name\"\r\n\r\n" + name
                + "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"; filename=\"" + name
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.write(file);
        body.write(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/engine-rest/deployment/create"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", operatorAuthorization)
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IllegalStateException("deploying " + name + " answered " + response.statusCode() + ": "
                    + response.body());
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroy(); // SIGTERM: a graceful stop, so the next service starts on a quiet database
            process.onExit().orTimeout(60, java.util.concurrent.TimeUnit.SECONDS)
                    .exceptionally(timeout -> {
                        process.destroyForcibly();
                        return process;
                    }).join();
        }
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
