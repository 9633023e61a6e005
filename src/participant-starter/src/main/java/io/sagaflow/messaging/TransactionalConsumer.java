package io.sagaflow.messaging;

import java.util.Objects;

import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.contract.SagaHeaders;
import io.sagaflow.tracing.SagaTracing;
import org.slf4j.MDC;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageListener;
import org.springframework.amqp.rabbit.retry.MessageRecoverer;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The one way Sagaflow consumes a message: inbox row and handler effects in one transaction, ack
 * after commit (the container acks when this listener returns).
 *
 * <ul>
 *   <li>duplicate message id: skipped (the inbox has it), acked; or, for a handler that
 *       {@linkplain Handler#deduplicatesItself() deduplicates itself}, handled and found answered;</li>
 *   <li>{@link PoisonMessageException}, no message id, oversized body: parked with the reason, acked;</li>
 *   <li>any other exception: rethrown, so the container's retry advice retries it with backoff and
 *       finally hands it to the consumer's {@link MessageRecoverer}.</li>
 * </ul>
 */
public final class TransactionalConsumer implements MessageListener {

    /** What the consumer does with a message, inside the inbox transaction. */
    @FunctionalInterface
    public interface Handler {
        void handle(InboundMessage message);

        /**
         * Whether the failure is a conflict with a concurrent transaction that has committed (an
         * optimistic lock): the message is then handled again at once in a new transaction, which sees
         * the other's result, instead of after the retry back-off.
         */
        default boolean isConflict(RuntimeException failure) {
            return false;
        }

        /**
         * Whether the handler's own rows already make a repeated message change nothing (a state it
         * locks and checks), so no inbox row is written for it: one insert fewer per message. A
         * repeat then reaches the handler, which must find it answered; the {@code
         * sagaflow.inbox.duplicates} counter does not see it.
         */
        default boolean deduplicatesItself() {
            return false;
        }
    }

    /** Handlings of one delivery that end in a conflict before it goes to the retry back-off. */
    static final int MAX_CONFLICTS = 5;

    private final String consumer;
    private final Handler handler;
    private final TransactionTemplate transactions;
    private final Inbox inbox;
    private final ParkedMessages parked;
    private final MeterRegistry meters;
    private final int maxPayloadBytes;
    private final SagaTracing tracing;

    public TransactionalConsumer(String consumer, Handler handler, TransactionTemplate transactions, Inbox inbox,
                                 ParkedMessages parked, MeterRegistry meters, int maxPayloadBytes,
                                 SagaTracing tracing) {
        this.tracing = Objects.requireNonNull(tracing);
        this.consumer = Objects.requireNonNull(consumer);
        this.handler = Objects.requireNonNull(handler);
        this.transactions = transactions;
        this.inbox = inbox;
        this.parked = parked;
        this.meters = meters;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    @Override
    public void onMessage(Message amqpMessage) {
        InboundMessage message = InboundMessage.of(amqpMessage);
        // Every log line about this message names its saga (see logging.pattern.level).
        try (var saga = MDC.putCloseable("sagaId", message.header(SagaHeaders.SAGA_ID));
             var key = MDC.putCloseable("businessKey", message.header(SagaHeaders.BUSINESS_KEY))) {
            // The message's trace continues here (W3C traceparent in its headers).
            tracing.consuming("handle " + message.type(), message.headers(), () -> consume(amqpMessage, message));
        }
    }

    private void consume(Message amqpMessage, InboundMessage message) {
        if (amqpMessage.getBody().length > maxPayloadBytes) {
            parked.park(consumer, message.withoutBody(), "payload of " + amqpMessage.getBody().length
                    + " bytes exceeds the limit of " + maxPayloadBytes + " bytes");
            return;
        }
        if (message.messageId() == null || message.messageId().isBlank()) {
            parked.park(consumer, message, "missing message_id property");
            return;
        }
        for (int attempt = 1; ; attempt++) {
            try {
                transactions.executeWithoutResult(status -> {
                    if (handler.deduplicatesItself() || inbox.recordFirstDelivery(consumer, message.messageId())) {
                        handler.handle(message);
                    } else {
                        meters.counter("sagaflow.inbox.duplicates", "consumer", consumer).increment();
                    }
                });
                return;
            } catch (PoisonMessageException poison) {
                parked.park(consumer, message, poison.getMessage());
                return;
            } catch (RuntimeException failure) {
                // Two replies of one saga at a parallel join: the loser goes again now, not in 200 ms.
                if (attempt == MAX_CONFLICTS || !handler.isConflict(failure)) {
                    throw failure;
                }
                meters.counter("sagaflow.consumer.conflicts", "consumer", consumer).increment();
            }
        }
    }

    public String consumer() {
        return consumer;
    }
}
