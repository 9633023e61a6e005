package io.sagaflow.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verifyNoInteractions;
import static org.mockito.Mockito.when;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sagaflow.tracing.SagaTracing;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.SimpleTransactionStatus;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A handler's conflict with a concurrent transaction (two replies of one saga at a parallel join)
 * is handled again at once, in a new transaction, a bounded number of times; any other failure goes
 * to the container's retry back-off as before. (The transactions are the template's; the conflict at
 * a real join is measured by the benchmark's shapes phase: docs/performance.md.)
 */
class TransactionalConsumerTests {

    /** A failure the handler calls a conflict. */
    private static final class Conflict extends RuntimeException {
    }

    private final PlatformTransactionManager transactions = mock(PlatformTransactionManager.class);
    private final Inbox inbox = mock(Inbox.class);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    TransactionalConsumerTests() {
        when(transactions.getTransaction(any())).thenAnswer(invocation -> new SimpleTransactionStatus());
        when(inbox.recordFirstDelivery(anyString(), anyString())).thenReturn(true);
    }

    @Test
    @DisplayName("a conflict is handled again at once, in a new transaction, until it goes through")
    void conflictIsHandledAgainAtOnce() {
        AtomicInteger handled = new AtomicInteger();
        TransactionalConsumer consumer = consumer(failingTimes(2, new Conflict(), handled));

        consumer.onMessage(message());

        assertThat(handled).hasValue(3);
        assertThat(meters.counter("sagaflow.consumer.conflicts", "consumer", "test").count()).isEqualTo(2);
    }

    @Test
    @DisplayName("a conflict that keeps coming goes to the retry back-off after " + TransactionalConsumer.MAX_CONFLICTS + " handlings")
    void endlessConflictGoesToTheRetryBackOff() {
        AtomicInteger handled = new AtomicInteger();
        TransactionalConsumer consumer = consumer(failingTimes(Integer.MAX_VALUE, new Conflict(), handled));

        assertThatThrownBy(() -> consumer.onMessage(message())).isInstanceOf(Conflict.class);
        assertThat(handled).hasValue(TransactionalConsumer.MAX_CONFLICTS);
    }

    @Test
    @DisplayName("any other failure goes to the retry back-off at once")
    void otherFailureIsNotHandledAgain() {
        AtomicInteger handled = new AtomicInteger();
        TransactionalConsumer consumer = consumer(failingTimes(1, new IllegalStateException("database down"), handled));

        assertThatThrownBy(() -> consumer.onMessage(message())).isInstanceOf(IllegalStateException.class);
        assertThat(handled).hasValue(1);
    }

    @Test
    @DisplayName("a handler that deduplicates itself gets every copy, and no inbox row is written for it")
    void handlerThatDeduplicatesItselfSkipsTheInbox() {
        AtomicInteger handled = new AtomicInteger();
        TransactionalConsumer consumer = consumer(new TransactionalConsumer.Handler() {
            @Override
            public void handle(InboundMessage message) {
                handled.incrementAndGet();
            }

            @Override
            public boolean deduplicatesItself() {
                return true;
            }
        });

        consumer.onMessage(message());
        consumer.onMessage(message());

        assertThat(handled).hasValue(2);
        verifyNoInteractions(inbox);
    }

    private TransactionalConsumer consumer(TransactionalConsumer.Handler handler) {
        return new TransactionalConsumer("test", handler, new TransactionTemplate(transactions), inbox,
                mock(ParkedMessages.class), meters, 10_000, SagaTracing.noop());
    }

    /** A handler that fails {@code times} times with {@code failure}, then succeeds; conflicts are {@link Conflict}. */
    private static TransactionalConsumer.Handler failingTimes(int times, RuntimeException failure, AtomicInteger handled) {
        return new TransactionalConsumer.Handler() {
            @Override
            public void handle(InboundMessage message) {
                if (handled.incrementAndGet() <= times) {
                    throw failure;
                }
            }

            @Override
            public boolean isConflict(RuntimeException e) {
                return e instanceof Conflict;
            }
        };
    }

    private static Message message() {
        MessageProperties properties = new MessageProperties();
        properties.setMessageId("m-1");
        properties.setType("test.reply");
        return new Message("{}".getBytes(StandardCharsets.UTF_8), properties);
    }
}
