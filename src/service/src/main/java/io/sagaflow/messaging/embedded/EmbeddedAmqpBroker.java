package io.sagaflow.messaging.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;

import org.apache.qpid.server.SystemLauncher;
import org.apache.qpid.server.SystemLauncherListener;
import org.apache.qpid.server.model.Broker;
import org.apache.qpid.server.model.Port;
import org.apache.qpid.server.model.SystemConfig;

/**
 * An in-memory Apache Qpid Broker-J speaking AMQP 0-9-1, so the service can run with zero setup while
 * using the same RabbitMQ client code path as production.
 *
 * <p>The broker listens on 127.0.0.1 only, authenticates with SASL PLAIN against a single user and
 * serves one in-memory virtual host named {@value #VIRTUAL_HOST_NAME}, also reachable as {@code "/"}.
 * Its configuration is {@code embedded-broker/initial-config.json} on the classpath.
 *
 * <p>Differences from RabbitMQ worth knowing:
 * <ul>
 * <li>RabbitMQ-only declare arguments ({@code x-queue-type}, {@code x-dead-letter-exchange},
 * {@code x-message-ttl}, ...) are accepted with a warning and ignored: no dead-lettering, TTL or length
 * limits.</li>
 * <li>An unroutable mandatory message is nacked first and returned afterwards (RabbitMQ returns, then
 * acks). Spring AMQP therefore completes the {@code CorrelationData} with a nack and leaves
 * {@code getReturned()} null; the return still reaches the template's {@code ReturnsCallback}. Treat
 * "nacked or returned" as "not delivered" and both brokers behave alike.</li>
 * </ul>
 */
public final class EmbeddedAmqpBroker implements AutoCloseable {

    /** Name of the single virtual host; connections asking for {@code "/"} land on it as well. */
    public static final String VIRTUAL_HOST_NAME = "default";

    private static final String INITIAL_CONFIG_RESOURCE = "embedded-broker/initial-config.json";
    private static final String AMQP_PORT_NAME = "AMQP";

    private final SystemLauncher launcher;
    private final Path workDir;
    private final int port;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedAmqpBroker(SystemLauncher launcher, Path workDir, int port) {
        this.launcher = launcher;
        this.workDir = workDir;
        this.port = port;
    }

    /**
     * Starts an in-memory Qpid Broker-J on 127.0.0.1:port (port 0 = pick a free port). AMQP 0-9-1, PLAIN
     * auth with the given user/password, one virtual host reachable as "/" (the default vhost name a
     * RabbitMQ client uses) and by its own name.
     *
     * @throws IllegalArgumentException if the port is out of range or a credential is blank or contains "${"
     * @throws IllegalStateException if the broker cannot start, e.g. because the port is taken
     */
    public static EmbeddedAmqpBroker start(int port, String username, String password) {
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be between 0 and 65535, was " + port);
        }
        requireCredential(username, "username");
        requireCredential(password, "password");

        Path workDir = createWorkDir();
        try {
            StartupListener listener = new StartupListener();
            SystemLauncher launcher = new SystemLauncher(listener);
            launcher.startup(systemConfigAttributes(workDir, port, username, password));
            listener.throwIfStartupFailed();
            return new EmbeddedAmqpBroker(launcher, workDir, listener.boundAmqpPort());
        } catch (Exception e) {
            deleteRecursively(workDir);
            throw new IllegalStateException("Could not start the embedded AMQP broker on 127.0.0.1:" + port, e);
        }
    }

    /** The TCP port the broker actually listens on (the picked one when started with port 0). */
    public int port() {
        return port;
    }

    /** Stops the broker, closing client connections and freeing the port; later calls do nothing. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                launcher.shutdown();
            } finally {
                deleteRecursively(workDir);
            }
        }
    }

    private static Map<String, Object> systemConfigAttributes(Path workDir, int port, String username,
            String password) throws IOException {
        return Map.of(
                SystemConfig.TYPE, "Memory",
                SystemConfig.INITIAL_CONFIGURATION_LOCATION, initialConfigLocation(),
                // Without a location Qpid opens "classpath:system.properties" through a URL handler it
                // registers via java.protocol.handler.pkgs; the JDK loads such handlers from the system
                // class loader only, so inside a Spring Boot fat jar start-up fails with "unknown protocol:
                // classpath". An empty file keeps Qpid's built-in defaults.
                SystemConfig.INITIAL_SYSTEM_PROPERTIES_LOCATION,
                Files.createFile(workDir.resolve("system.properties")).toUri().toString(),
                SystemConfig.STARTUP_LOGGED_TO_SYSTEM_OUT, false,
                // Context variables referenced by the initial config. Pointing qpid.work_dir at our temp
                // dir keeps Qpid from creating ./work in the process's current directory.
                SystemConfig.CONTEXT, Map.of(
                        SystemConfig.QPID_WORK_DIR, workDir.toString(),
                        "qpid.amqp_port", Integer.toString(port),
                        "sagaflow.embedded.username", username,
                        "sagaflow.embedded.password", password));
    }

    /**
     * The initial config as a real resource URL, which Qpid opens with {@code new URL(..)}: a {@code file:}
     * URL from the IDE or tests, a {@code jar:nested:} URL inside a Spring Boot fat jar (resolved by the
     * handler Boot's launcher registers). A {@code classpath:} location would fail in the fat jar.
     */
    private static String initialConfigLocation() {
        URL resource = EmbeddedAmqpBroker.class.getClassLoader().getResource(INITIAL_CONFIG_RESOURCE);
        if (resource == null) {
            throw new IllegalStateException("Missing classpath resource " + INITIAL_CONFIG_RESOURCE);
        }
        return resource.toExternalForm();
    }

    private static Path createWorkDir() {
        try {
            return Files.createTempDirectory("sagaflow-amqp-broker-");
        } catch (IOException e) {
            throw new UncheckedIOException("Could not create a work directory for the embedded AMQP broker", e);
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // Best effort: a leftover temp directory must not fail start-up error handling or shutdown.
        }
    }

    private static void requireCredential(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        // Credentials reach the broker as context variables, and Qpid would expand a nested ${...}.
        if (value.contains("${")) {
            throw new IllegalArgumentException(name + " must not contain '${'");
        }
    }

    /**
     * {@link SystemLauncher#startup} logs start-up failures and swallows them; this listener keeps the
     * failure so {@link #start} can throw it, and keeps the system config to read the bound port from.
     */
    private static final class StartupListener extends SystemLauncherListener.DefaultSystemLauncherListener {

        private volatile SystemConfig<?> systemConfig;
        private volatile RuntimeException startupFailure;

        @Override
        public void onContainerResolve(SystemConfig<?> systemConfig) {
            this.systemConfig = systemConfig;
        }

        @Override
        public void errorOnStartup(RuntimeException e) {
            this.startupFailure = e;
        }

        void throwIfStartupFailed() {
            if (startupFailure != null) {
                throw startupFailure;
            }
        }

        int boundAmqpPort() {
            Broker<?> broker = (Broker<?>) systemConfig.getContainer();
            Port<?> amqpPort = broker.getChildByName(Port.class, AMQP_PORT_NAME);
            return amqpPort.getBoundPort();
        }
    }
}
