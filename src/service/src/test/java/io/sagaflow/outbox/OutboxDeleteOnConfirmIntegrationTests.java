package io.sagaflow.outbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sagaflow.testing.CaptureQueues;
import io.sagaflow.testing.IntegrationTest;
import io.sagaflow.contract.Topology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@code sagaflow.outbox.retention=0}: a confirmed row is deleted in the transaction that claimed
 * it instead of being marked SENT; everything else about the relay stays (order per saga, retries).
 *
 * <p>The shared application context keeps the default retention, so these tests drive a second
 * relay of their own: its clock runs two hours ahead, and the rows are written due in one hour,
 * which the context's relay leaves alone.
 */
@IntegrationTest
@DisplayName("Outbox relay with a retention of zero")
class OutboxDeleteOnConfirmIntegrationTests {

    private static final Duration RECEIVE_TIMEOUT = Duration.ofSeconds(10);

    @RegisterExtension
    final CaptureQueues queues = new CaptureQueues();

    private final Outbox outbox;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final RabbitTemplate rabbit;
    private final ObjectMapper objectMapper;

    private OutboxRelay deletingRelay;
    private String queue;
    private final List<String> written = new ArrayList<>();

    OutboxDeleteOnConfirmIntegrationTests(Outbox outbox, JdbcTemplate jdbc, TransactionTemplate transactions,
                                          RabbitTemplate rabbit, ObjectMapper objectMapper) {
        this.outbox = outbox;
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.rabbit = rabbit;
        this.objectMapper = objectMapper;
    }

    @BeforeEach
    void deletingRelayAheadOfTime() {
        queue = queues.bind("sagaflow.test.delete-on-confirm", new DirectExchange(Topology.REPLIES_EXCHANGE));
        OutboxProperties zeroRetention = new OutboxProperties(true, Duration.ofSeconds(1), 200, 1,
                Duration.ofSeconds(10), 10, Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ZERO,
                Duration.ofMinutes(1), 1000);
        deletingRelay = new OutboxRelay(jdbc, transactions, rabbit, objectMapper, zeroRetention,
                Clock.offset(Clock.systemUTC(), Duration.ofHours(2)), new SimpleMeterRegistry());
    }

    @AfterEach
    void removeWhatIsLeft() {
        written.forEach(id -> jdbc.update("DELETE FROM sagaflow.outbox_message WHERE message_id = ?", id));
    }

    @Test
    @DisplayName("a confirmed row is deleted, not marked SENT, and a saga's next row leaves only after it")
    void confirmedRowsAreDeletedInOrder() {
        String saga = "saga-" + UUID.randomUUID();
        String first = write(saga, queue);
        String second = write(saga, queue);

        assertThat(deletingRelay.relayOnce()).as("rows claimed in the first round").isEqualTo(1);
        assertThat(received()).isEqualTo(first);
        assertThat(status(first)).as("the first row after its confirm").isNull();
        assertThat(status(second)).isEqualTo("PENDING");

        assertThat(deletingRelay.relayOnce()).as("rows claimed in the second round").isEqualTo(1);
        assertThat(received()).isEqualTo(second);
        assertThat(status(second)).as("the second row after its confirm").isNull();
    }

    @Test
    @DisplayName("a row the broker returns stays, PENDING with the failed attempt and its reason")
    void returnedRowStays() {
        String unroutable = write("saga-" + UUID.randomUUID(), "no-queue-is-bound-to-this-" + UUID.randomUUID());

        deletingRelay.relayOnce();

        Map<String, Object> row = jdbc.queryForMap(
                "SELECT status, attempts, last_error FROM sagaflow.outbox_message WHERE message_id = ?", unroutable);
        assertThat(row.get("status")).isEqualTo("PENDING");
        assertThat(((Number) row.get("attempts")).intValue()).isEqualTo(1);
        // RabbitMQ returns, then acks; the embedded Qpid broker nacks, then returns.
        assertThat((String) row.get("last_error")).containsAnyOf("returned", "nacked");
    }

    /** Due in one hour: only the relay whose clock runs two hours ahead takes it. */
    private String write(String saga, String routingKey) {
        String messageId = "delete-on-confirm-" + UUID.randomUUID();
        written.add(messageId);
        transactions.executeWithoutResult(status -> outbox.append(
                OutboxMessage.to(Topology.REPLIES_EXCHANGE, routingKey, "test.delete-on-confirm", "{}")
                        .withId(messageId).orderedBy(saga).correlatedWith(messageId),
                Instant.now().plus(Duration.ofHours(1))));
        return messageId;
    }

    private String received() {
        Message message = queues.receive(queue, RECEIVE_TIMEOUT);
        return message == null ? null : message.getMessageProperties().getMessageId();
    }

    private String status(String messageId) {
        List<String> status = jdbc.queryForList("SELECT status FROM sagaflow.outbox_message WHERE message_id = ?",
                String.class, messageId);
        return status.isEmpty() ? null : status.get(0);
    }
}
