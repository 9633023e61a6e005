package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import io.sagaflow.contract.Topology;
import io.sagaflow.outbox.Outbox;
import io.sagaflow.outbox.OutboxMessage;
import io.sagaflow.outbox.OutboxRelay;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Message;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;
import io.sagaflow.testing.CaptureQueues;
import io.sagaflow.testing.IntegrationTest;

/**
 * Messages appended with a time before which they must not leave ({@code Outbox.append(message,
 * notBefore)}, and retries in backoff, which wait the same way): the relay leaves them alone until
 * then without holding back due messages of other keys, and a saga's later message still waits
 * for its earlier, delayed one.
 */
@IntegrationTest
@DisplayName("Delayed outbox messages")
class DelayedOutboxMessagesIntegrationTests {

    private static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(15);
    /** How long to listen for a message that must not come. */
    private static final Duration QUIET_WINDOW = Duration.ofSeconds(3);

    @RegisterExtension
    final CaptureQueues queues = new CaptureQueues();

    private final Outbox outbox;
    private final OutboxRelay relay;
    private final TransactionTemplate transactions;
    private final JdbcTemplate jdbc;

    private String queue;

    DelayedOutboxMessagesIntegrationTests(Outbox outbox, OutboxRelay relay, TransactionTemplate transactions,
                                          JdbcTemplate jdbc) {
        this.outbox = outbox;
        this.relay = relay;
        this.transactions = transactions;
        this.jdbc = jdbc;
    }

    @BeforeEach
    void declareQueue() {
        queue = queues.bind("sagaflow.test.delayed", new DirectExchange(Topology.REPLIES_EXCHANGE));
    }

    @Test
    @DisplayName("a message not due yet stays PENDING, due messages written after it leave at once")
    void delayedMessageDoesNotHoldBackDueOnes() {
        String delayed = message();
        String due = message();
        transactions.executeWithoutResult(status -> {
            outbox.append(outboxMessage(delayed, null), Instant.now().plus(Duration.ofHours(1)));
            outbox.append(outboxMessage(due, null));
        });

        assertThat(receive(DELIVERY_TIMEOUT)).as("the due message").isEqualTo(due);
        assertThat(receive(QUIET_WINDOW)).as("anything else, within " + QUIET_WINDOW).isNull();
        assertThat(status(delayed)).isEqualTo("PENDING");

        makeDue(delayed);
        assertThat(receive(DELIVERY_TIMEOUT)).as("the delayed message, once due").isEqualTo(delayed);
        awaitStatus(delayed, "SENT");
    }

    @Test
    @DisplayName("a saga's later message waits for its earlier, delayed one, and then leaves after it")
    void laterMessageOfTheSameKeyWaitsForTheDelayedOne() {
        String saga = "saga-" + UUID.randomUUID();
        String first = message();
        String second = message();
        transactions.executeWithoutResult(status -> {
            outbox.append(outboxMessage(first, saga), Instant.now().plus(Duration.ofHours(1)));
            outbox.append(outboxMessage(second, saga));
        });

        assertThat(receive(QUIET_WINDOW)).as("a message of the saga while its first one is not due").isNull();
        assertThat(status(second)).isEqualTo("PENDING");

        makeDue(first);
        assertThat(receive(DELIVERY_TIMEOUT)).as("first message of the saga").isEqualTo(first);
        assertThat(receive(DELIVERY_TIMEOUT)).as("second message of the saga").isEqualTo(second);
    }

    /** What the clock would do an hour later; then the relay's next round (here: woken at once) takes it. */
    private void makeDue(String messageId) {
        jdbc.update("UPDATE sagaflow.outbox_message SET next_attempt_at = ? WHERE message_id = ?",
                Timestamp.from(Instant.now().minusSeconds(1)), messageId);
        relay.wakeUp();
    }

    private String receive(Duration timeout) {
        Message message = queues.receive(queue, timeout);
        return message == null ? null : message.getMessageProperties().getMessageId();
    }

    private String status(String messageId) {
        return jdbc.queryForObject("SELECT status FROM sagaflow.outbox_message WHERE message_id = ?", String.class,
                messageId);
    }

    /** SENT is written when the broker's confirm arrives, which may be just after the delivery. */
    private void awaitStatus(String messageId, String expected) {
        await().atMost(DELIVERY_TIMEOUT).untilAsserted(() -> assertThat(status(messageId)).isEqualTo(expected));
    }

    private static String message() {
        return "delayed-" + UUID.randomUUID(); // message ids are at most 64 characters
    }

    private OutboxMessage outboxMessage(String messageId, String orderingKey) {
        return OutboxMessage.to(Topology.REPLIES_EXCHANGE, queue, "test.delayed", "{}")
                .withId(messageId).orderedBy(orderingKey).correlatedWith(messageId);
    }
}
