package io.sagaflow.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.sagaflow.testing.IntegrationTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

/**
 * Publisher confirms over a real connection with {@link PublisherConfirmsThread}: the futures are
 * completed on the connection's thread (Spring AMQP), and the per-confirm callbacks all run, in
 * publish order, on the one confirms thread instead of a thread pool.
 */
@IntegrationTest
class PublisherConfirmsThreadIntegrationTests {

    private static final int MESSAGES = 200;

    private final ConnectionFactory connectionFactory;

    private final AmqpAdmin admin;

    PublisherConfirmsThreadIntegrationTests(ConnectionFactory connectionFactory, AmqpAdmin admin) {
        this.connectionFactory = connectionFactory;
        this.admin = admin;
    }

    @Test
    @DisplayName("a burst of confirms reaches its callbacks in publish order, all on the one confirms thread")
    void confirmCallbacksRunInOrderOnOneThread() throws Exception {
        String queue = admin.declareQueue(new Queue("sagaflow.test.confirms-" + UUID.randomUUID(), false, false, true));
        // A template of its own: a template takes one confirm callback, and the service's has none.
        RabbitTemplate template = new RabbitTemplate(connectionFactory);
        List<String> confirmed = Collections.synchronizedList(new ArrayList<>());
        List<String> threads = Collections.synchronizedList(new ArrayList<>());
        template.setConfirmCallback((correlation, ack, cause) -> {
            confirmed.add(correlation.getId() + (ack ? "" : " nacked: " + cause));
            threads.add(Thread.currentThread().getName());
        });
        try {
            List<CorrelationData> correlations = new ArrayList<>();
            template.invoke(operations -> {
                for (int i = 0; i < MESSAGES; i++) {
                    CorrelationData correlation = new CorrelationData("confirm-" + i);
                    operations.send("", queue, message("m-" + i), correlation);
                    correlations.add(correlation);
                }
                return null;
            });
            for (CorrelationData correlation : correlations) {
                assertThat(correlation.getFuture().get(10, TimeUnit.SECONDS).isAck()).isTrue();
            }
            await("all confirm callbacks").atMost(Duration.ofSeconds(10)).until(() -> confirmed.size() == MESSAGES);

            assertThat(confirmed).as("confirm callbacks").containsExactlyElementsOf(
                    correlations.stream().map(CorrelationData::getId).toList());
            assertThat(threads.stream().distinct().toList()).as("threads that ran them")
                    .singleElement().asString().startsWith("amqp-confirms-");
        } finally {
            admin.deleteQueue(queue);
        }
    }

    @Test
    @DisplayName("an unroutable message in a burst comes back as returned or nacked and holds up no other callback")
    void unroutableMessageHoldsUpNoCallback() throws Exception {
        String queue = admin.declareQueue(new Queue("sagaflow.test.confirms-" + UUID.randomUUID(), false, false, true));
        RabbitTemplate template = new RabbitTemplate(connectionFactory);
        template.setMandatory(true);
        List<String> confirmed = Collections.synchronizedList(new ArrayList<>());
        template.setConfirmCallback((correlation, ack, cause) -> confirmed.add(correlation.getId()));
        template.setReturnsCallback(returned -> { });
        try {
            List<CorrelationData> correlations = new ArrayList<>();
            template.invoke(operations -> {
                for (int i = 0; i < MESSAGES; i++) {
                    CorrelationData correlation = new CorrelationData("burst-" + i);
                    // One message in the middle has no queue to go to.
                    String routingKey = i == MESSAGES / 2 ? "nobody-" + UUID.randomUUID() : queue;
                    operations.send("", routingKey, message("m-" + i), correlation);
                    correlations.add(correlation);
                }
                return null;
            });
            CorrelationData unroutable = correlations.get(MESSAGES / 2);
            CorrelationData.Confirm confirm = unroutable.getFuture().get(10, TimeUnit.SECONDS);
            // RabbitMQ returns it, then acks; the embedded broker nacks it, then returns it.
            assertThat(!confirm.isAck() || unroutable.getReturned() != null).as("returned or nacked").isTrue();
            // Spring's confirm task waits for a return task; on one thread it must never wait on itself
            // (it would for 60 s).
            await("all confirm callbacks").atMost(Duration.ofSeconds(10)).until(() -> confirmed.size() == MESSAGES);
            assertThat(confirmed).containsExactlyInAnyOrderElementsOf(
                    correlations.stream().map(CorrelationData::getId).toList());
        } finally {
            admin.deleteQueue(queue);
        }
    }

    private static Message message(String body) {
        MessageProperties properties = new MessageProperties();
        properties.setMessageId(body);
        return new Message(body.getBytes(StandardCharsets.UTF_8), properties);
    }
}
