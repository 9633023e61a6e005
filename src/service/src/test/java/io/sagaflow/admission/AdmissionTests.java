package io.sagaflow.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sagaflow.testing.SettableClock;
import io.sagaflow.contract.Topology;
import io.sagaflow.errors.OverloadedException;
import io.sagaflow.outbox.OutboxAdmin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.AmqpConnectException;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.QueueInformation;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.dao.DataAccessResourceFailureException;

/** When new starts are admitted, refused, or made to wait, from the two backlogs admission reads. */
class AdmissionTests {

    private static final int MAX_REPLY_BACKLOG = 100;
    private static final int CONSUMERS = 4;

    private final SettableClock clock = SettableClock.at(Instant.parse("2026-12-06T18:00:00Z"));
    private final AmqpAdmin broker = mock(AmqpAdmin.class);
    private final OutboxAdmin outbox = mock(OutboxAdmin.class);
    private Admission admission;

    @BeforeEach
    void setUp() {
        admission = admission(2);
        replyBacklog(0);
        when(outbox.relayLag()).thenReturn(Duration.ZERO);
    }

    private Admission admission(int maxConcurrentStarts) {
        Admission admission = new Admission(new AdmissionProperties(true, Duration.ofMillis(500), MAX_REPLY_BACKLOG,
                Duration.ofSeconds(2), maxConcurrentStarts, Duration.ofMillis(10), Duration.ofMillis(200),
                Duration.ofSeconds(1), Duration.ofSeconds(30)), outbox,
                new StaticListableBeanFactory(Map.of("amqpAdmin", broker)).getBeanProvider(AmqpAdmin.class),
                new SimpleMeterRegistry(), clock);
        return admission;
    }

    private void replyBacklog(long messages) {
        replyBacklog(messages, CONSUMERS);
    }

    /** The replies queue: this many ready, and the consumers of every instance on it. */
    private void replyBacklog(long messages, int consumers) {
        when(broker.getQueueInfo(Topology.ORCHESTRATOR_REPLIES_QUEUE))
                .thenReturn(new QueueInformation(Topology.ORCHESTRATOR_REPLIES_QUEUE, (int) messages, consumers));
    }

    /**
     * This instance's {@value #CONSUMERS} consumers, always busy, take {@code perSecond} replies a second
     * (so each reply keeps a consumer busy {@value #CONSUMERS}/{@code perSecond} s), sampled every 200 ms
     * for a second.
     */
    private void consumeReplies(int perSecond) {
        handleReplies(perSecond, Duration.ofNanos(CONSUMERS * 1_000_000_000L / perSecond));
    }

    /** {@code perSecond} replies a second, each keeping its consumer busy {@code handling}, for a second. */
    private void handleReplies(int perSecond, Duration handling) {
        for (int sample = 0; sample < 5; sample++) {
            for (int reply = 0; reply < Math.max(1, perSecond / 5); reply++) {
                admission.replyHandled(handling.toNanos());
            }
            clock.advance(Duration.ofMillis(200));
            admission.sample();
        }
    }

    @Test
    @DisplayName("past the reply backlog bound (consumers taking nothing) a start is refused with a Retry-After; only below half of the bound are starts admitted again")
    void replyBacklogShedsLoadUntilHalfOfItIsRead() {
        admission.sample();
        admission.admitStart().close();

        replyBacklog(MAX_REPLY_BACKLOG + 1);
        admission.sample();
        assertThat(admission.state().shedding()).isTrue();
        assertThat(admission.state().reason()).contains("101 replies wait", Topology.ORCHESTRATOR_REPLIES_QUEUE);
        assertThatThrownBy(admission::admitStart).isInstanceOfSatisfying(OverloadedException.class, refused -> {
            assertThat(refused.retryAfter()).isBetween(Duration.ofSeconds(1), Duration.ofSeconds(30));
            assertThat(refused).hasMessageContaining("sheds load");
        });

        replyBacklog(MAX_REPLY_BACKLOG / 2 + 1);
        admission.sample();
        assertThat(admission.state().shedding()).as("still over half of the bound").isTrue();

        replyBacklog(MAX_REPLY_BACKLOG / 2);
        admission.sample();
        assertThat(admission.state().shedding()).isFalse();
        admission.admitStart().close();
    }

    @Test
    @DisplayName("replies that would wait longer than the bound shed load: the queue's backlog times a consumer's time per reply, over all the queue's consumers")
    void replyWaitShedsLoad() {
        replyBacklog(40);
        consumeReplies(100);
        assertThat(admission.state().replyWait().toMillis()).isBetween(395L, 405L);
        assertThat(admission.state().shedding()).isFalse();

        replyBacklog(60);
        consumeReplies(100);
        assertThat(admission.state().replyWait().toMillis()).isBetween(595L, 605L);
        assertThat(admission.state().shedding()).isTrue();
        assertThat(admission.state().reason()).contains("60 replies wait", "about 600 ms", "max-reply-wait=PT0.5S");
        assertThatThrownBy(admission::admitStart).isInstanceOf(OverloadedException.class);

        // Another instance with as many consumers takes as many: the same backlog waits half as long.
        replyBacklog(60, 2 * CONSUMERS);
        consumeReplies(100);
        assertThat(admission.state().replyWait().toMillis()).isBetween(295L, 305L);
        assertThat(admission.state().shedding()).as("still over half of the bound").isTrue();
        replyBacklog(40, 2 * CONSUMERS);
        consumeReplies(100);
        assertThat(admission.state().shedding()).isFalse();
    }

    @Test
    @DisplayName("a burst after a quiet spell is admitted: the wait is the backlog times a consumer's time per reply, not over the few replies of the quiet second")
    void burstAfterAQuietSpellIsAdmitted() {
        handleReplies(5, Duration.ofMillis(40)); // quiet: 5 replies a second, 40 ms of work each

        replyBacklog(20); // a burst arrives: 20 replies x 40 ms over 4 consumers = 200 ms
        admission.sample();

        assertThat(admission.state().replyWait().toMillis()).isBetween(195L, 205L);
        assertThat(admission.state().shedding()).isFalse();
        admission.admitStart().close();
    }

    @Test
    @DisplayName("a relay that has fallen behind sheds load too")
    void relayLagShedsLoad() {
        when(outbox.relayLag()).thenReturn(Duration.ofMillis(2_001));
        admission.sample();

        assertThat(admission.state().shedding()).isTrue();
        assertThat(admission.state().reason()).contains("relay is behind", "2001 ms");
        assertThatThrownBy(admission::admitStart).isInstanceOf(OverloadedException.class);

        when(outbox.relayLag()).thenReturn(Duration.ofMillis(900));
        admission.sample();
        assertThat(admission.state().shedding()).isFalse();
    }

    @Test
    @DisplayName("a start that finds every concurrent start busy is refused; a finished start lets the next one in")
    void concurrentStartsAreBounded() {
        admission.sample();
        Admission.Permit first = admission.admitStart();
        Admission.Permit second = admission.admitStart();

        assertThatThrownBy(admission::admitStart).isInstanceOf(OverloadedException.class)
                .hasMessageContaining("max-concurrent-starts");

        first.close();
        admission.admitStart().close();
        second.close();
    }

    @Test
    @DisplayName("a broker or database that does not answer sheds no load by itself (a start will fail or wait on its own)")
    void unknownBacklogsAdmit() {
        when(broker.getQueueInfo(Topology.ORCHESTRATOR_REPLIES_QUEUE))
                .thenThrow(new AmqpConnectException(new java.net.ConnectException("refused")));
        when(outbox.relayLag()).thenThrow(new DataAccessResourceFailureException("database down"));
        admission.sample();

        assertThat(admission.state().shedding()).isFalse();
        assertThat(admission.state().replyBacklog()).isEqualTo(-1);
        assertThat(admission.state().replyWait()).isNull();
        assertThat(admission.state().outboxLag()).isNull();
        admission.admitStart().close();
    }

    @Test
    @DisplayName("a queued start waits while load is shed and runs once it is admitted")
    void queuedStartWaitsWhileShedding() throws Exception {
        replyBacklog(MAX_REPLY_BACKLOG + 1);
        admission.sample();
        Thread waiting = new Thread(() -> {
            try {
                admission.awaitStart().close();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        waiting.start();
        org.awaitility.Awaitility.await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                .until(waiting::isAlive);

        replyBacklog(0);
        admission.sample();
        waiting.join(Duration.ofSeconds(5).toMillis());
        assertThat(waiting.isAlive()).as("the queued start ran").isFalse();
    }
}
