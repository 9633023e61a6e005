package io.sagaflow.faults;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The packaged service as a separate JVM ({@code java -jar ... --spring.profiles.active=prod}), so
 * a crash is a real {@code kill -9} of another process, not an in-JVM simulation.
 */
final class ServiceProcess {

    static final String ADMIN_USER = "fi-admin";
    static final String ADMIN_PASSWORD = "fi-admin-secret";
    /** An API client (start and read sagas), as front ends authenticate. */
    static final String CLIENT_ID = "fi-client";
    static final String CLIENT_SECRET = "fi-client-secret";
    private static final String LAUNCHER = "org.springframework.boot.loader.launch.PropertiesLauncher";

    private final String name;
    private final Path jar;
    private final Path logDirectory;
    private List<String> extraArguments;
    /** Extra classes for this JVM only ({@code -Dloader.path}), or {@code null}: the jar as deployed. */
    private final Path loaderPath;
    private final int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;
    private int starts;
    /** The scheduling priority the JVM runs at ({@code nice -n}); 0 as deployed. */
    private int niceness;

    ServiceProcess(Path jar, Path logDirectory) {
        this("service", jar, logDirectory, List.of());
    }

    /**
     * @param name names the instance in logs and summaries
     * @param extraArguments Spring Boot command-line arguments after the profile and port
     */
    ServiceProcess(String name, Path jar, Path logDirectory, List<String> extraArguments) {
        this(name, jar, logDirectory, extraArguments, null);
    }

    private ServiceProcess(String name, Path jar, Path logDirectory, List<String> extraArguments, Path loaderPath) {
        this.loaderPath = loaderPath;
        this.name = name;
        this.jar = jar;
        this.logDirectory = logDirectory;
        this.extraArguments = List.copyOf(extraArguments);
        this.port = freePort();
    }

    /**
     * The packaged service with a deliberate defect ({@code io.sagaflow.faults.sabotage}, compiled
     * with the tests and added to this JVM only), to show that the suite's checks fail on it.
     */
    static ServiceProcess sabotaged(String sabotage, Path jar, Path logDirectory) throws IOException {
        return sabotaged(sabotage, "sabotaged-" + sabotage, jar, logDirectory, List.of());
    }

    /** As {@link #sabotaged(String, Path, Path)}, named, with more arguments (a cluster's). */
    static ServiceProcess sabotaged(String sabotage, String name, Path jar, Path logDirectory, List<String> arguments)
            throws IOException {
        Path source = testClasses().resolve(Path.of("io", "sagaflow", "faults", "sabotage"));
        Path classes = logDirectory.resolve("sabotage-classes").toAbsolutePath();
        Path destination = classes.resolve(Path.of("io", "sagaflow", "faults", "sabotage"));
        Files.createDirectories(destination);
        try (var files = Files.list(source)) {
            for (Path file : files.toList()) {
                Files.copy(file, destination.resolve(file.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
        List<String> all = new ArrayList<>(arguments);
        all.add("--sagaflow.sabotage=" + sabotage);
        return new ServiceProcess(name, jar, logDirectory, all, classes);
    }

    /** Where this module's test classes were compiled to (the JVM's working directory is the repository's top). */
    private static Path testClasses() {
        try {
            return Path.of(ServiceProcess.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    String name() {
        return name;
    }

    /**
     * Runs the service at a lower CPU priority ({@code nice -n}): for a test whose clients share the
     * host with it and measure how fast it answers (the overload scenario), so the clients' own
     * threads are not starved of the CPU the service saturates.
     */
    ServiceProcess niced(int niceness) {
        this.niceness = niceness;
        return this;
    }

    int port() {
        return port;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    synchronized void start() throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run `mvn -B package -DskipTests` first");
        }
        Files.createDirectories(logDirectory);
        starts++;
        Path log = logDirectory.resolve(name + "-" + starts + ".log");
        List<String> command = new ArrayList<>();
        if (niceness != 0) {
            command.addAll(List.of("nice", "-n", Integer.toString(niceness)));
        }
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx768m",
                // Pauses beside the service's log, for a latency outlier that needs explaining.
                "-Xlog:gc:file=" + logDirectory.resolve(name + "-" + starts + "-gc.log").toAbsolutePath()));
        command.addAll(loaderPath == null ? List.of("-jar", jar.toString())
                : List.of("-Dloader.path=" + loaderPath, "-cp", jar.toString(), LAUNCHER));
        command.addAll(List.of("--spring.profiles.active=prod", "--server.port=" + port));
        command.addAll(extraArguments);
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().put("SAGAFLOW_ADMIN_USER", ADMIN_USER);
        builder.environment().put("SAGAFLOW_ADMIN_PASSWORD", ADMIN_PASSWORD);
        builder.environment().put("SAGAFLOW_CLIENT_ID", CLIENT_ID);
        builder.environment().put("SAGAFLOW_CLIENT_SECRET", CLIENT_SECRET);
        process = builder.start();
    }

    void awaitUp(Duration timeout) {
        await("service on port " + port + " up").atMost(timeout).pollInterval(Duration.ofMillis(500))
                .failFast(name + " exited, see its log in " + logDirectory, () -> !alive())
                .until(this::healthy);
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    boolean healthy() {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(baseUrl() + "/actuator/health"))
                    .timeout(Duration.ofSeconds(3)).GET().build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A real SIGKILL ({@code kill -9 <pid>}): no shutdown hooks, no graceful close of anything. */
    synchronized long kill9() throws IOException, InterruptedException {
        long pid = process.pid();
        Process kill = new ProcessBuilder("kill", "-9", Long.toString(pid)).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IllegalStateException("kill -9 " + pid + " failed");
        }
        process.onExit().join();
        return pid;
    }

    /**
     * As a rolling upgrade stops an instance: SIGTERM, so it finishes what it holds (Spring's
     * graceful shutdown), SIGKILL only if it has not ended within the timeout.
     */
    synchronized void stopGracefully(Duration timeout) throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.onExit().join();
            }
        }
    }

    /** The arguments of the next {@link #start()}: the same instance (name, port) on another configuration. */
    synchronized void restartWith(List<String> arguments) {
        this.extraArguments = List.copyOf(arguments);
    }

    synchronized void stop() {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.onExit().join();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
