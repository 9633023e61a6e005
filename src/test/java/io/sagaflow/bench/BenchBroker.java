package io.sagaflow.bench;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeoutException;

import com.rabbitmq.client.BuiltinExchangeType;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;

/**
 * The benchmark's own vhost (created anew with rabbitmqctl) and the exchange and queue the
 * relay and the Modulith peer publish to, drained by an auto-ack consumer as PerfTest's is.
 */
final class BenchBroker implements AutoCloseable {

    static final String EXCHANGE = "sagaflow.bench";
    static final String QUEUE = "sagaflow.bench.relay";
    static final String ROUTING_KEY = "relay";

    private final Connection connection;

    private BenchBroker(Connection connection) {
        this.connection = connection;
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
        channel.basicConsume(QUEUE, true, (tag, delivery) -> { }, tag -> { });
        return new BenchBroker(connection);
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
