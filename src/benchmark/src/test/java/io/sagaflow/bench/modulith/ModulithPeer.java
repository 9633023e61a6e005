package io.sagaflow.bench.modulith;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.modulith.events.ApplicationModuleListener;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The peer outbox: Spring Modulith's event publication registry (JDBC) on the same PostgreSQL, with
 * an {@link ApplicationModuleListener} that forwards each event to the same broker and waits for
 * its publisher confirm, so a publication is completed only once the broker has the message. Runs
 * in the benchmark's JVM as a small Spring Boot application of its own (no Sagaflow beans).
 */
@SpringBootApplication(proxyBeanMethods = false)
@EnableAsync
public class ModulithPeer {

    public record BenchEvent(String id, String payload) {
    }

    public static ConfigurableApplicationContext start(String jdbcUrl, String jdbcUser, String jdbcPassword,
                                                       String rabbitHost, int rabbitPort, String vhost) {
        return new SpringApplicationBuilder(ModulithPeer.class)
                .web(WebApplicationType.NONE)
                .properties(Map.ofEntries(
                        // Not Sagaflow's application.yml: this is a different application.
                        Map.entry("spring.config.name", "modulith-peer"),
                        Map.entry("spring.datasource.url", jdbcUrl),
                        Map.entry("spring.datasource.username", jdbcUser),
                        Map.entry("spring.datasource.password", jdbcPassword),
                        Map.entry("spring.rabbitmq.host", rabbitHost),
                        Map.entry("spring.rabbitmq.port", rabbitPort),
                        Map.entry("spring.rabbitmq.virtual-host", vhost),
                        Map.entry("spring.rabbitmq.publisher-confirm-type", "correlated"),
                        Map.entry("spring.rabbitmq.publisher-returns", true),
                        Map.entry("spring.rabbitmq.template.mandatory", true),
                        Map.entry("spring.rabbitmq.cache.channel.size", 50),
                        Map.entry("spring.modulith.events.jdbc.schema-initialization.enabled", true),
                        Map.entry("spring.flyway.enabled", false),
                        // Camunda is on the test classpath but not part of this peer.
                        Map.entry("spring.autoconfigure.exclude", String.join(",",
                                "org.camunda.bpm.spring.boot.starter.CamundaBpmAutoConfiguration",
                                "org.camunda.bpm.spring.boot.starter.rest.CamundaBpmRestJerseyAutoConfiguration",
                                "org.camunda.bpm.spring.boot.starter.webapp.CamundaBpmWebappAutoConfiguration")),
                        // PerfTest brings metrics registries (Datadog, JMX) onto the classpath: none is wanted here.
                        Map.entry("management.defaults.metrics.export.enabled", false),
                        Map.entry("spring.main.banner-mode", "off"),
                        Map.entry("logging.level.root", "warn")))
                .run();
    }

    /** Publishes {@code count} events in transactions of {@code perTransaction}, from {@code threads} writers. */
    @Component
    public static class EventWriter {

        private final TransactionTemplate transactions;
        private final ApplicationEventPublisher events;
        private final JdbcTemplate jdbc;

        EventWriter(TransactionTemplate transactions, ApplicationEventPublisher events, JdbcTemplate jdbc) {
            this.transactions = transactions;
            this.events = events;
            this.jdbc = jdbc;
        }

        public void clear() {
            jdbc.update("DELETE FROM event_publication");
        }

        public void publish(int count, int perTransaction, int threads, int payloadBytes) throws Exception {
            String payload = "{\"pad\":\"" + "x".repeat(Math.max(0, payloadBytes - 10)) + "\"}";
            ExecutorService writers = Executors.newFixedThreadPool(threads);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int first = 0; first < count; first += perTransaction) {
                    int from = first;
                    int to = Math.min(count, first + perTransaction);
                    done.add(writers.submit(() -> transactions.executeWithoutResult(status -> {
                        for (int i = from; i < to; i++) {
                            events.publishEvent(new BenchEvent("modulith-" + i, payload));
                        }
                    })));
                }
                for (Future<?> future : done) {
                    future.get();
                }
            } finally {
                writers.shutdown();
            }
        }

        /** [publication, completion] in epoch microseconds; completion 0 while incomplete. */
        public long[][] timings() {
            return jdbc.query("SELECT publication_date, completion_date FROM event_publication",
                    (rs, n) -> new long[] {micros(rs.getTimestamp(1)), micros(rs.getTimestamp(2))})
                    .toArray(long[][]::new);
        }

        private static long micros(java.sql.Timestamp timestamp) {
            return timestamp == null ? 0 : timestamp.getTime() * 1000 + (timestamp.getNanos() / 1000) % 1000;
        }
    }

    /** Forwards an event to the broker; completes the publication only on the broker's ack. */
    @Component
    static class BrokerForwarder {

        static final String EXCHANGE = "sagaflow.bench";
        static final String ROUTING_KEY = "relay";

        private final RabbitTemplate rabbit;

        BrokerForwarder(RabbitTemplate rabbit) {
            this.rabbit = rabbit;
        }

        @ApplicationModuleListener
        void on(BenchEvent event) throws Exception {
            MessageProperties properties = new MessageProperties();
            properties.setMessageId(event.id());
            properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
            properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
            CorrelationData correlation = new CorrelationData(event.id());
            rabbit.send(EXCHANGE, ROUTING_KEY, new Message(event.payload().getBytes(StandardCharsets.UTF_8), properties),
                    correlation);
            CorrelationData.Confirm confirm = correlation.getFuture().get(10, TimeUnit.SECONDS);
            if (!confirm.isAck() || correlation.getReturned() != null) {
                throw new IllegalStateException("broker did not take " + event.id() + ": " + confirm.getReason());
            }
        }
    }
}
