package io.sagaflow.bench;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

/**
 * The benchmark's own vhost (created anew with rabbitmqctl) and the exchange and queue the
 * relay and the Modulith peer publish to, drained by an auto-ack consumer as PerfTest's is. The
 * consumer notes when each message of a relay run arrives, so a drain is timed by its last delivery
 * and a row's latency by its own, whether the relay keeps its rows (SENT) or deletes them on their confirm.
 */
final class BenchBroker implements AutoCloseable {

    static final String EXCHANGE = "sagaflow.bench";
    static final String QUEUE = "sagaflow.bench.relay";
    static final String ROUTING_KEY = "relay";

    /** A relay run's message ids are {@code bench-<uuid>-<n>}: the run is their first 42 characters. */
    private static final int RUN_ID_LENGTH = "bench-".length() + 36;

    private final Connection connection;
    private final Map<String, Arrivals> arrivalsByRun = new ConcurrentHashMap<>();

    private BenchBroker(Connection connection) {
        this.connection = connection;
    }

    /** Deliveries of one run; written by the one consumer thread, read by the benchmark's. */
    private static final class Arrivals {
        private volatile int count;
        private volatile long lastMicros;
        /** When each message first arrived, epoch microseconds: a redelivered copy keeps the first. */
        private final Map<String, Long> micros = new ConcurrentHashMap<>();

        void arrived(String messageId) {
            lastMicros = ChronoUnit.MICROS.between(Instant.EPOCH, Instant.now());
            micros.putIfAbsent(messageId, lastMicros);
            count++; // one writer: the channel's consumer thread
        }
    }

    /** When each message of the run first arrived here, by message id, in epoch microseconds. */
    Map<String, Long> arrivalTimes(String runId) {
        return Map.copyOf(arrivalsByRun.computeIfAbsent(runId, run -> new Arrivals()).micros);
    }

    /**
     * Waits until {@code expected} messages of the run have arrived (duplicates would count: the
     * relay is at-least-once) and returns when the last came, in epoch microseconds.
     */
    long awaitArrivals(String label, String runId, int expected) {
        Arrivals arrivals = arrivalsByRun.computeIfAbsent(runId, run -> new Arrivals());
        await(label + " delivered").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(50))
                .until(() -> arrivals.count >= expected);
        System.out.printf("  %-28s delivered %6d/%d%n", label, arrivals.count, expected);
        return arrivals.lastMicros;
    }

    private void deliver(String messageId) {
        if (messageId != null && messageId.startsWith("bench-") && messageId.length() > RUN_ID_LENGTH) {
            arrivalsByRun.computeIfAbsent(messageId.substring(0, RUN_ID_LENGTH), run -> new Arrivals()).arrived(messageId);
        }
    }

    static BenchBroker open(BenchSettings settings) throws Exception {
        ensureVhost(settings.vhost());
        ConnectionFactory factory = new ConnectionFactory();
        factory.setUri(settings.amqpUri());
        Connection connection = factory.newConnection("sagaflow-bench-drain");
        Channel channel = connection.createChannel();
        channel.exchangeDeclare(EXCHANGE, BuiltinExchangeType.DIRECT, true);
        channel.queueDeclare(QUEUE, true, false, false, null);
        channel.queueBind(QUEUE, EXCHANGE, ROUTING_KEY);
        channel.queuePurge(QUEUE);
        BenchBroker broker = new BenchBroker(connection);
        channel.basicConsume(QUEUE, true, (tag, delivery) -> broker.deliver(delivery.getProperties().getMessageId()),
                tag -> { });
        return broker;
    }

    /** rabbitmqctl is the one tool every RabbitMQ install has (the management plugin may be off). */
    private static void ensureVhost(String vhost) throws IOException, InterruptedException {
        // A fresh vhost, like the fresh database: no queue keeps messages of an earlier run.
        run(List.of("rabbitmqctl", "-q", "delete_vhost", vhost)); // fails harmlessly if it does not exist
        run(List.of("rabbitmqctl", "-q", "add_vhost", vhost));
        run(List.of("rabbitmqctl", "-q", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"));
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        try {
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor();
        } catch (IOException noRabbitmqctl) {
            System.out.println("  (" + command.get(0) + " not found: the vhost must exist already)");
        }
    }

    @Override
    public void close() throws IOException, TimeoutException {
        connection.close();
    }
}
