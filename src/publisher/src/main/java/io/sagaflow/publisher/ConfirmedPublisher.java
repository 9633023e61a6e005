package io.sagaflow.publisher;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.ReturnedMessage;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.connection.PublisherCallbackChannel;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

/**
 * Hands messages to the broker and waits for its publisher confirms: the one way Sagaflow learns
 * whether the broker has a message. The outbox relay, the check-backs of transactional messages and
 * the transactional-message client ({@code txmessage.client}) all publish through it.
 *
 * <p>{@link #publish(List)} sends a batch on one channel with a {@link CorrelationData} per message,
 * so all its confirms are in flight together (one at a time costs a broker round trip per message);
 * {@link Batch#awaitConfirms} then waits for them in publish order against one deadline for the
 * whole batch. Each published message ends in one {@link Outcome}. A mandatory message no queue
 * takes comes back as a return (RabbitMQ returns, then acks; the embedded Qpid broker nacks, then
 * returns): RETURNED, whatever the ack said. A broadcast message ({@link Outgoing#mandatory()}
 * {@code false}) is published without the flag, so no subscriber is no failure.
 *
 * <p>A broker that cannot be reached fails the publish itself: the batch stops there, and the
 * messages not handed over are {@link Batch#notPublished()} (the broker never saw them, so a caller
 * may retry them without counting an attempt). A message handed over whose confirm never comes is
 * TIMED_OUT: the broker may have it.
 *
 * <p>Needs correlated publisher confirms, publisher returns and a template with the mandatory flag
 * (checked when built). Depends on nothing of Sagaflow but Spring AMQP, so the client can use it
 * (it ships in the participant-kit jar with the rest of {@code messaging}).
 */
public final class ConfirmedPublisher {

    /** What became of a published message. */
    public enum Outcome {
        /** The broker acked it and did not return it: it has the message. */
        CONFIRMED,
        /** The broker nacked it. */
        NACKED,
        /** Returned as unroutable: mandatory, and no queue is bound for it. */
        RETURNED,
        /** No confirm before the deadline (or the connection closed after the publish): the broker may have it. */
        TIMED_OUT,
        /** The confirm failed, or the wait for it was interrupted (the thread's interrupt flag is set again). */
        FAILED
    }

    /**
     * A message to publish.
     *
     * @param subject the caller's handle for it (an outbox row, a check request), given back with its confirmation
     * @param mandatory {@code false} for a broadcast: an unroutable message is dropped by the broker, not returned
     */
    public record Outgoing<T>(T subject, String exchange, String routingKey, Message message, boolean mandatory) {

        public Outgoing {
            Objects.requireNonNull(message, "message");
        }

        /** A message that must reach a queue: returned (a failure) if none is bound for it. */
        public static <T> Outgoing<T> mandatory(T subject, String exchange, String routingKey, Message message) {
            return new Outgoing<>(subject, exchange, routingKey, message, true);
        }
    }

    /**
     * What became of one published message.
     *
     * @param detail why it is not confirmed: the broker's nack reason (NACKED); reply code, text,
     *     exchange and routing key (RETURNED); the timeout (TIMED_OUT); the failure (FAILED);
     *     {@code null} if CONFIRMED
     * @param failure the confirm future's failure or the interruption (FAILED), else {@code null}
     */
    public record Confirmation<T>(T subject, Outcome outcome, String detail, Throwable failure) {

        public boolean confirmed() {
            return outcome == Outcome.CONFIRMED;
        }

        /** The outcome in a phrase, for logs and error columns. */
        public String describe() {
            return switch (outcome) {
                case CONFIRMED -> "confirmed by the broker";
                case NACKED -> "nacked by the broker" + (detail == null ? " (it gave no reason)" : ": " + detail);
                case RETURNED -> "returned as unroutable: " + detail;
                case TIMED_OUT -> "no publisher confirm within " + detail;
                case FAILED -> detail;
            };
        }
    }

    private final RabbitTemplate mandatory;
    /** For broadcasts: no mandatory flag. Still confirmed. */
    private final RabbitTemplate broadcasts;

    /**
     * @param mandatory publishes the mandatory messages; its connection factory must have correlated
     *     confirms and returns, and the template the mandatory flag
     * @param user who needs it, for the startup error ("The outbox relay")
     * @throws IllegalStateException if confirms, returns or the mandatory flag are missing
     */
    public ConfirmedPublisher(RabbitTemplate mandatory, String user) {
        requireConfirmsAndReturns(mandatory.getConnectionFactory(), user);
        if (!Boolean.TRUE.equals(mandatory.isMandatoryFor(new Message(new byte[0])))) {
            throw new IllegalStateException(user + " publishes with the mandatory flag: set "
                    + "spring.rabbitmq.template.mandatory=true");
        }
        this.mandatory = mandatory;
        LateReturns.listenOn(mandatory);
        this.broadcasts = new RabbitTemplate(mandatory.getConnectionFactory());
        this.broadcasts.setMandatory(false);
    }

    /**
     * A publisher with templates of its own on {@code connectionFactory}, for code without a
     * configured template (the client).
     */
    public static ConfirmedPublisher on(ConnectionFactory connectionFactory, String user) {
        requireConfirmsAndReturns(connectionFactory, user);
        RabbitTemplate template = new RabbitTemplate(connectionFactory);
        template.setMandatory(true);
        return new ConfirmedPublisher(template, user);
    }

    /** Without correlated confirms a message could be taken as published that the broker never took. */
    private static void requireConfirmsAndReturns(ConnectionFactory connectionFactory, String user) {
        if (!connectionFactory.isPublisherConfirms()) {
            throw new IllegalStateException(user + " needs correlated publisher confirms: set "
                    + "spring.rabbitmq.publisher-confirm-type=correlated");
        }
        if (!connectionFactory.isPublisherReturns()) {
            throw new IllegalStateException(user + " needs publisher returns to detect unroutable messages: set "
                    + "spring.rabbitmq.publisher-returns=true");
        }
    }

    /** The template of mandatory messages, for what is not confirmed (answers nobody waits for). */
    public RabbitTemplate template() {
        return mandatory;
    }

    /**
     * Publishes {@code messages} in order on one channel, stopping at the first that cannot be
     * handed to the broker.
     */
    public <T> Batch<T> publish(List<Outgoing<T>> messages) {
        List<InFlight<T>> inFlight = new ArrayList<>(messages.size());
        AmqpException unreachable = null;
        try {
            // One channel for the whole batch instead of a cache checkout per message.
            mandatory.invoke(operations -> {
                for (Outgoing<T> message : messages) {
                    String messageId = message.message().getMessageProperties().getMessageId();
                    CorrelationData correlation = new CorrelationData(
                            messageId != null ? messageId : UUID.randomUUID().toString());
                    (message.mandatory() ? operations : broadcasts)
                            .send(message.exchange(), message.routingKey(), message.message(), correlation);
                    inFlight.add(new InFlight<>(message.subject(), correlation));
                }
                return null;
            });
        } catch (AmqpException e) {
            // No connection: nothing was published from here on; what is in flight is still confirmed.
            unreachable = e;
        }
        List<T> notPublished = messages.subList(inFlight.size(), messages.size()).stream()
                .map(Outgoing::subject).toList();
        return new Batch<>(inFlight, notPublished, unreachable);
    }

    /**
     * Publishes one message and waits for its confirm.
     *
     * @throws AmqpException if the broker cannot be reached (nothing was published)
     */
    public <T> Confirmation<T> publishAndAwait(Outgoing<T> message, Duration timeout) {
        Batch<T> batch = publish(List.of(message));
        if (batch.unreachable() != null) {
            throw batch.unreachable();
        }
        List<Confirmation<T>> confirmations = new ArrayList<>(1);
        batch.awaitConfirms(timeout, confirmations::add);
        return confirmations.get(0);
    }

    /** The messages of one {@link #publish(List)}: handed to the broker, or not. */
    public static final class Batch<T> {

        private final List<InFlight<T>> inFlight;
        private final List<T> notPublished;
        private final AmqpException unreachable;

        private Batch(List<InFlight<T>> inFlight, List<T> notPublished, AmqpException unreachable) {
            this.inFlight = inFlight;
            this.notPublished = notPublished;
            this.unreachable = unreachable;
        }

        /** Subjects of the messages never handed to the broker (it could not be reached), in order. */
        public List<T> notPublished() {
            return notPublished;
        }

        /** Why the broker could not be reached, or {@code null} if every message was published. */
        public AmqpException unreachable() {
            return unreachable;
        }

        /**
         * Waits for the confirm of every published message, in publish order, until {@code timeout}
         * from now, and hands each one's confirmation to {@code each} as soon as it is known.
         */
        public void awaitConfirms(Duration timeout, Consumer<Confirmation<T>> each) {
            long deadline = System.nanoTime() + timeout.toNanos();
            for (InFlight<T> message : inFlight) {
                each.accept(awaitConfirm(message, deadline, timeout));
            }
        }

        private static <T> Confirmation<T> awaitConfirm(InFlight<T> message, long deadlineNanos, Duration timeout) {
            CorrelationData correlation = message.correlation();
            try {
                CorrelationData.Confirm confirm = correlation.getFuture()
                        .get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
                ReturnedMessage returned = correlation.getReturned();
                if (!confirm.isAck() && returned == null) {
                    returned = LateReturns.await(correlation.getId(), deadlineNanos);
                }
                if (returned != null) {
                    return new Confirmation<>(message.subject(), Outcome.RETURNED, returned.getReplyCode() + " "
                            + returned.getReplyText() + " (exchange " + returned.getExchange() + ", routing key "
                            + returned.getRoutingKey() + ")", null);
                }
                return confirm.isAck()
                        ? new Confirmation<>(message.subject(), Outcome.CONFIRMED, null, null)
                        : new Confirmation<>(message.subject(), Outcome.NACKED, confirm.getReason(), null);
            } catch (TimeoutException e) {
                return new Confirmation<>(message.subject(), Outcome.TIMED_OUT, timeout.toString(), null);
            } catch (ExecutionException e) {
                return new Confirmation<>(message.subject(), Outcome.FAILED, "confirm failed: " + e.getCause(),
                        e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Confirmation<>(message.subject(), Outcome.FAILED,
                        "interrupted while waiting for the confirm", e);
            }
        }
    }

    /**
     * Returns that came after their nack. The embedded Qpid broker nacks an unroutable mandatory
     * message before it returns it, so Spring AMQP has completed the {@link CorrelationData} when the
     * return arrives and only the template's returns callback sees it. A nack is given a moment to turn
     * out to be a return, so the caller learns the exchange and routing key instead of a bare nack.
     */
    private static final class LateReturns {

        private static final Duration WAIT = Duration.ofMillis(500);
        private static final Duration KEPT = Duration.ofMinutes(1);
        /** Returns by correlation id, with when they came; RabbitMQ's never looked up, so old ones are dropped. */
        private static final Map<String, Timed> RECENT = new ConcurrentHashMap<>();
        /** One instance for every publisher on a template: a template takes one returns callback. */
        private static final RabbitTemplate.ReturnsCallback CALLBACK = LateReturns::record;

        private record Timed(ReturnedMessage returned, long atNanos) {
        }

        static void listenOn(RabbitTemplate template) {
            try {
                template.setReturnsCallback(CALLBACK);
            } catch (IllegalStateException anotherCallback) {
                // the application listens to returns itself: late returns stay nacks
            }
        }

        private static void record(ReturnedMessage returned) {
            Object correlation = returned.getMessage().getMessageProperties()
                    .getHeader(PublisherCallbackChannel.RETURNED_MESSAGE_CORRELATION_KEY);
            String id = correlation != null ? correlation.toString()
                    : returned.getMessage().getMessageProperties().getMessageId();
            if (id == null) {
                return;
            }
            long now = System.nanoTime();
            RECENT.values().removeIf(timed -> now - timed.atNanos() > KEPT.toNanos());
            RECENT.put(id, new Timed(returned, now));
        }

        static ReturnedMessage await(String correlationId, long deadlineNanos) throws InterruptedException {
            long until = Math.min(deadlineNanos, System.nanoTime() + WAIT.toNanos());
            while (true) {
                Timed timed = RECENT.remove(correlationId);
                if (timed != null) {
                    return timed.returned();
                }
                if (System.nanoTime() >= until) {
                    return null;
                }
                Thread.sleep(5);
            }
        }
    }

    private record InFlight<T>(T subject, CorrelationData correlation) {
    }
}
