package io.sagaflow.publisher;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.sagaflow.testing.IntegrationTest;
import io.sagaflow.publisher.ConfirmedPublisher.Outcome;
import io.sagaflow.publisher.ConfirmedPublisher.Outgoing;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

/**
 * The one publish-and-confirm mechanism on a real broker (embedded Qpid, or RabbitMQ with
 * {@code -Preal-services}): what each message of a batch becomes.
 */
@IntegrationTest
@DisplayName("Confirmed publisher on a real broker")
class ConfirmedPublisherIntegrationTests {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final RabbitTemplate rabbit;
    private final AmqpAdmin admin;

    ConfirmedPublisherIntegrationTests(RabbitTemplate rabbit, AmqpAdmin admin) {
        this.rabbit = rabbit;
        this.admin = admin;
    }

    @Test
    @DisplayName("a batch is confirmed message by message in publish order; an unroutable mandatory message is returned (Qpid: nacked), an unroutable broadcast confirmed")
    void batchOutcomes() {
        String queue = temporaryQueue();
        String nowhere = "sagaflow.test.nowhere-" + UUID.randomUUID();
        ConfirmedPublisher publisher = new ConfirmedPublisher(rabbit, "The test");
        List<Outgoing<String>> messages = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            messages.add(Outgoing.mandatory("m-" + i, "", queue, message("m-" + i)));
        }
        messages.add(Outgoing.mandatory("unroutable", "", nowhere,
                message("unroutable")));
        messages.add(new Outgoing<>("broadcast", "", nowhere,
                message("broadcast"), false));
        List<ConfirmedPublisher.Confirmation<String>> confirmations = new ArrayList<>();
        try {
            ConfirmedPublisher.Batch<String> batch = publisher.publish(messages);
            batch.awaitConfirms(TIMEOUT, confirmations::add);

            assertThat(batch.unreachable()).isNull();
            assertThat(batch.notPublished()).isEmpty();
            assertThat(confirmations).extracting(ConfirmedPublisher.Confirmation::subject)
                    .containsExactlyElementsOf(messages.stream().map(Outgoing::subject).toList());
            assertThat(confirmations.subList(0, 50)).allMatch(ConfirmedPublisher.Confirmation::confirmed);
            ConfirmedPublisher.Confirmation<String> unroutable = confirmations.get(50);
            // RabbitMQ returns, then acks; the embedded Qpid broker nacks, then returns.
            assertThat(unroutable.outcome()).isIn(Outcome.RETURNED, Outcome.NACKED);
            if (unroutable.outcome() == Outcome.RETURNED) {
                assertThat(unroutable.describe()).startsWith("returned as unroutable: 312").contains(nowhere);
            }
            assertThat(confirmations.get(51).outcome()).isEqualTo(Outcome.CONFIRMED);
            assertThat(admin.getQueueInfo(queue).getMessageCount()).isEqualTo(50);
        } finally {
            admin.deleteQueue(queue);
        }
    }

    @Test
    @DisplayName("one message published and awaited: confirmed, or returned (Qpid: nacked) when no queue takes it")
    void singleMessage() {
        String queue = temporaryQueue();
        ConfirmedPublisher publisher = new ConfirmedPublisher(rabbit, "The test");
        try {
            assertThat(publisher.publishAndAwait(Outgoing.mandatory("one", "", queue,
                    message("one")), TIMEOUT).outcome())
                    .isEqualTo(Outcome.CONFIRMED);
            assertThat(publisher.publishAndAwait(Outgoing.mandatory("two", "",
                    "sagaflow.test.nowhere-" + UUID.randomUUID(), message("two")), TIMEOUT)
                    .outcome()).isIn(Outcome.RETURNED, Outcome.NACKED);
        } finally {
            admin.deleteQueue(queue);
        }
    }

    private String temporaryQueue() {
        return admin.declareQueue(new Queue("sagaflow.test.confirmed-" + UUID.randomUUID(), false, false, true));
    }

    private static Message message(String id) {
        MessageProperties properties = new MessageProperties();
        properties.setMessageId(id);
        return new Message(("{\"id\":\"" + id + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8), properties);
    }
}
