package io.sagaflow.admission;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.sagaflow.contract.Topology;
import io.sagaflow.errors.OverloadedException;
import io.sagaflow.outbox.OutboxAdmin;
import org.aopalliance.intercept.MethodInterceptor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.MessageListener;
import org.springframework.amqp.core.QueueInformation;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Decides whether a new saga may start now. A service past its capacity that accepts every start
 * falls further behind with each one: replies wait in its own queue, the sagas they would finish
 * take longer, and deadlines pass while the answers are already there. So new work is admitted only
 * while the work already accepted is being done in time, measured where it waits:
 * <ul>
 *   <li>the reply wait: how long a reply now waits in {@value Topology#ORCHESTRATOR_REPLIES_QUEUE}
 *       before a consumer takes it, estimated as the replies ready there (all instances share the
 *       queue, so all see the same figure) times the time a consumer is busy with one (measured on
 *       this instance, transaction included), over the queue's consumers. Busy time and not the
 *       rate replies leave at: after a quiet spell the rate is low because little came, not because
 *       consumers are slow, and a burst must not be refused for it;</li>
 *   <li>the relay lag: how long the longest-due PENDING outbox row has been due (the outbox is shared too).</li>
 * </ul>
 * Past {@code max-reply-wait} (or {@code max-reply-backlog} replies, whatever the rate) or
 * {@code max-outbox-lag} the service sheds load until all are below half of their bound (so it does
 * not flap on the boundary). Shedding, a REST start is
 * refused at once with {@link OverloadedException} (503, {@code Retry-After}, see
 * {@link RetryAfter}) before anything is read or written; an AMQP start waits in its queue
 * ({@link #startAdvice()}). Admitted starts run at most {@code max-concurrent-starts} at a time, so
 * the reply consumers, which finish sagas, keep their threads and database connections.
 */
@Component
public class Admission implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(Admission.class);
    private static final Permit NO_PERMIT = () -> { };
    /** A reply's handling time is averaged over the replies handled in this long. */
    private static final Duration HANDLING_WINDOW = Duration.ofSeconds(5);
    /** An AMQP start that has waited this long goes back to its queue (and is delivered again). */
    private static final Duration MAX_QUEUED_START_WAIT = Duration.ofSeconds(60);

    /**
     * What admission saw at the last sample.
     *
     * @param replyBacklog replies ready in the orchestrator's queue, or -1 if the broker did not answer
     * @param replyWait how long a reply waits in that queue (estimated), or {@code null} if unknown
     * @param outboxLag how long the longest-due outbox row has been due, or {@code null} if the
     *     database did not answer
     * @param reason why it sheds load, or {@code null} while it admits
     * @param since when it began to shed or to admit
     */
    public record State(boolean shedding, String reason, long replyBacklog, Duration replyWait, Duration outboxLag,
                        Instant since) {
    }

    /** A start's place among the {@code max-concurrent-starts}: closing it lets the next one in. */
    public interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    private final AdmissionProperties properties;
    private final OutboxAdmin outbox;
    private final ObjectProvider<AmqpAdmin> broker;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Semaphore starts;
    private final RetryAfter retryAfter;
    private volatile State state;
    private ScheduledExecutorService sampler;
    private final LongAdder repliesHandled = new LongAdder();
    private final LongAdder replyHandlingNanos = new LongAdder();
    /** Replies handled so far and their time, at each sample of the last {@link #HANDLING_WINDOW}; sampler thread only. */
    private final ArrayDeque<Handled> handledAt = new ArrayDeque<>();
    /** A consumer's time per reply at the last window that had replies; 0 before the first. Sampler thread only. */
    private long nanosPerReply;

    private record Handled(Instant at, long replies, long nanos) {
    }

    Admission(AdmissionProperties properties, OutboxAdmin outbox, ObjectProvider<AmqpAdmin> broker,
              MeterRegistry meters, Clock clock) {
        this.properties = properties;
        this.outbox = outbox;
        this.broker = broker;
        this.meters = meters;
        this.clock = clock;
        this.starts = new Semaphore(properties.maxConcurrentStarts());
        this.retryAfter = new RetryAfter(clock, properties.minRetryAfter(), properties.maxRetryAfter());
        this.state = new State(false, null, 0, Duration.ZERO, Duration.ZERO, clock.instant());
        Gauge.builder("sagaflow.admission.shedding", () -> state.shedding() ? 1 : 0)
                .description("1 while new saga starts are refused because the service is behind").register(meters);
        Gauge.builder("sagaflow.admission.reply-backlog", () -> Math.max(0, state.replyBacklog()))
                .description("Replies waiting in the orchestrator's queue at the last sample").register(meters);
        TimeGauge.builder("sagaflow.admission.reply-wait", () -> state.replyWait() == null ? 0
                        : state.replyWait().toMillis(), TimeUnit.MILLISECONDS)
                .description("How long a reply waits in the orchestrator's queue (estimated at the last sample)")
                .register(meters);
        TimeGauge.builder("sagaflow.admission.outbox-lag", () -> state.outboxLag() == null ? 0
                        : state.outboxLag().toMillis(), TimeUnit.MILLISECONDS)
                .description("How long the longest-due outbox row had been due at the last sample").register(meters);
    }

    public State state() {
        return state;
    }

    /**
     * Admits a REST start or refuses it at once.
     *
     * @throws OverloadedException while shedding load, or when all concurrent starts stay busy for
     *     {@code start-wait}; nothing has been done for the request
     */
    public Permit admitStart() {
        if (!properties.enabled()) {
            return NO_PERMIT;
        }
        State now = state;
        if (now.shedding()) {
            throw refusal("reply-backlog-or-relay-lag", "Sagaflow sheds load: " + now.reason());
        }
        try {
            if (!starts.tryAcquire(properties.startWait().toNanos(), TimeUnit.NANOSECONDS)) {
                throw refusal("concurrent-starts", "Sagaflow sheds load: " + properties.maxConcurrentStarts()
                        + " starts are running on this instance (sagaflow.admission.max-concurrent-starts)");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw refusal("interrupted", "Sagaflow is shutting down");
        }
        return admitted();
    }

    /**
     * Waits until a start may run (not shedding, a concurrent start free), for starts that come
     * from a queue: their message simply stays unacknowledged meanwhile, and the broker delivers no
     * more than the consumer's prefetch.
     *
     * @throws IllegalStateException after a minute, so the message goes back to its queue instead of
     *     being held past the broker's delivery timeout
     */
    Permit awaitStart() throws InterruptedException {
        if (!properties.enabled()) {
            return NO_PERMIT;
        }
        Instant giveUpAt = clock.instant().plus(MAX_QUEUED_START_WAIT);
        while (state.shedding()) {
            if (clock.instant().isAfter(giveUpAt)) {
                throw new IllegalStateException("still shedding load after " + MAX_QUEUED_START_WAIT
                        + ": the start goes back to its queue");
            }
            LockSupport.parkNanos(properties.sampleInterval().toNanos());
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        }
        if (!starts.tryAcquire(MAX_QUEUED_START_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException("no concurrent start free for " + MAX_QUEUED_START_WAIT
                    + ": the start goes back to its queue");
        }
        return admitted();
    }

    /**
     * For the listener containers of queues whose messages start sagas: the message waits (is not
     * taken) while the service sheds load, and runs as one of the concurrent starts.
     */
    public MethodInterceptor startAdvice() {
        return invocation -> {
            try (Permit permit = awaitStart()) {
                return invocation.proceed();
            }
        };
    }

    private Permit admitted() {
        retryAfter.admitted();
        meters.counter("sagaflow.admission.admitted").increment();
        return starts::release;
    }

    private OverloadedException refusal(String reason, String detail) {
        meters.counter("sagaflow.admission.refused", "reason", reason).increment();
        Duration after = retryAfter.refused();
        return new OverloadedException(detail + "; retry after " + after.toSeconds() + " s", after);
    }

    /** A reply this instance's consumers handled, and how long its consumer was busy with it. */
    public void replyHandled(long nanos) {
        repliesHandled.increment();
        replyHandlingNanos.add(nanos);
    }

    /**
     * The replies' listener, timing each reply from delivery to the end of its transaction for
     * {@link #replyHandled}. (Not a container advice: that wraps the wait for a message too.)
     */
    public MessageListener timingReplies(MessageListener listener) {
        return message -> {
            long start = System.nanoTime();
            try {
                listener.onMessage(message);
            } finally {
                replyHandled(System.nanoTime() - start);
            }
        };
    }

    /** Reads the reply backlog and the relay lag and decides whether to shed load until the next sample. */
    void sample() {
        QueueInformation replies = replyQueue();
        long backlog = replies == null ? -1 : replies.getMessageCount();
        Duration wait = replies == null ? null : replyWait(backlog, replies.getConsumerCount());
        Duration lag = outboxLag();
        State previous = state;
        // Shedding goes on until all are below half their bound: no flapping on the boundary.
        double share = previous.shedding() ? 0.5 : 1.0;
        String reason = null;
        if (wait != null && wait.toMillis() > properties.maxReplyWait().toMillis() * share) {
            reason = "the orchestrator is behind: " + backlog + " replies wait in " + Topology.ORCHESTRATOR_REPLIES_QUEUE
                    + ", about " + wait.toMillis() + " ms of work (sagaflow.admission.max-reply-wait="
                    + properties.maxReplyWait() + ")";
        } else if (backlog > properties.maxReplyBacklog() * share) {
            reason = "the orchestrator is behind: " + backlog + " replies wait in " + Topology.ORCHESTRATOR_REPLIES_QUEUE
                    + " (sagaflow.admission.max-reply-backlog=" + properties.maxReplyBacklog() + ")";
        } else if (lag != null && lag.toMillis() > properties.maxOutboxLag().toMillis() * share) {
            reason = "the outbox relay is behind: a message has waited " + lag.toMillis() + " ms to be published "
                    + "(sagaflow.admission.max-outbox-lag=" + properties.maxOutboxLag() + ")";
        }
        boolean shedding = reason != null;
        Instant since = shedding == previous.shedding() ? previous.since() : clock.instant();
        state = new State(shedding, reason, backlog, wait, lag, since);
        if (shedding && !previous.shedding()) {
            log.warn("Shedding load, new saga starts are refused: {}", reason);
        } else if (!shedding && previous.shedding()) {
            log.info("Admitting new saga starts again after shedding load for {} ms",
                    Duration.between(previous.since(), clock.instant()).toMillis());
        }
    }

    /**
     * Little's law: the replies ready in the queue, each taking a consumer {@link #nanosPerReply}, shared
     * by the queue's consumers (instances run alike). {@code null} when there is nothing to estimate
     * from: this instance has handled no reply yet (a participants-only instance starts no saga anyway);
     * {@code max-reply-backlog} bounds the queue then.
     */
    private Duration replyWait(long ready, int consumers) {
        Instant now = clock.instant();
        Handled latest = new Handled(now, repliesHandled.sum(), replyHandlingNanos.sum());
        handledAt.addLast(latest);
        while (handledAt.size() > 1 && Duration.between(handledAt.peekFirst().at(), now).compareTo(HANDLING_WINDOW) > 0) {
            handledAt.removeFirst();
        }
        Handled first = handledAt.peekFirst();
        if (latest.replies() > first.replies()) {
            nanosPerReply = (latest.nanos() - first.nanos()) / (latest.replies() - first.replies());
        }
        if (ready == 0) {
            return Duration.ZERO;
        }
        if (nanosPerReply <= 0) {
            return null;
        }
        return Duration.ofNanos((long) Math.min((double) ready * nanosPerReply / Math.max(1, consumers),
                Long.MAX_VALUE / 2.0));
    }

    private QueueInformation replyQueue() {
        AmqpAdmin admin = broker.getIfAvailable();
        if (admin == null) {
            return null;
        }
        try {
            return admin.getQueueInfo(Topology.ORCHESTRATOR_REPLIES_QUEUE);
        } catch (RuntimeException e) {
            log.debug("Reply backlog unknown: {}", e.toString());
            return null; // the broker is away: the relay lag will show it
        }
    }

    private Duration outboxLag() {
        try {
            return outbox.relayLag();
        } catch (RuntimeException e) {
            log.debug("Relay lag unknown: {}", e.toString());
            return null;
        }
    }

    @Override
    public synchronized void start() {
        if (sampler != null) {
            return;
        }
        sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sagaflow-admission");
            thread.setDaemon(true);
            return thread;
        });
        long interval = properties.sampleInterval().toMillis();
        sampler.scheduleWithFixedDelay(() -> {
            try {
                sample();
            } catch (RuntimeException e) {
                log.warn("Admission sample failed: {}", e.toString());
            }
        }, 0, interval, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void stop() {
        if (sampler != null) {
            sampler.shutdownNow();
            sampler = null;
        }
    }

    @Override
    public synchronized boolean isRunning() {
        return sampler != null;
    }
}
