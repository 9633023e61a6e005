package io.sagaflow.txmessage;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.errors.ConflictException;
import io.sagaflow.errors.NotFoundException;
import io.sagaflow.messaging.MessagingProperties;
import io.sagaflow.outbox.Outbox;
import io.sagaflow.outbox.OutboxMessage;
import io.sagaflow.txmessage.client.TxMessageProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The protocol's state changes: prepare, commit, rollback, an operator's resolve. Each is one
 * transaction (joining the consumer's when it comes over AMQP); a commit writes the outbox row in
 * the transaction that marks the message COMMITTED, so "committed" and "will be delivered" are the
 * same fact. Repeating a request is harmless; contradicting an earlier decision is refused (409).
 */
@Service
class TxMessages {

    private static final Logger log = LoggerFactory.getLogger(TxMessages.class);

    private final TxMessageStore store;
    private final Outbox outbox;
    private final TransactionTemplate transactions;
    private final TxMessageProperties properties;
    private final int maxPayloadBytes;
    private final Clock clock;
    private final MeterRegistry meters;

    TxMessages(TxMessageStore store, Outbox outbox, TransactionTemplate transactions, TxMessageProperties properties,
               MessagingProperties messaging, Clock clock, MeterRegistry meters) {
        this.store = store;
        this.outbox = outbox;
        this.transactions = transactions;
        this.properties = properties;
        // One limit for every message body Sagaflow handles: a bigger one would be parked by its consumer.
        this.maxPayloadBytes = messaging.maxPayloadBytes();
        this.clock = clock;
        this.meters = meters;
    }

    /** @param created {@code false} if the same message was prepared before (an idempotent repeat) */
    record Prepared(TxMessageView message, boolean created) {
    }

    /**
     * Stores a HALF message, invisible to consumers until committed.
     *
     * @throws io.sagaflow.errors.InvalidInputException for invalid input, ConflictException if the id belongs to a
     *         different message
     */
    Prepared prepare(PrepareRequest request) {
        HalfMessage message = HalfMessage.from(request, maxPayloadBytes);
        try {
            return transactions.execute(status -> prepareInTransaction(message));
        } catch (DuplicateKeyException concurrentPrepare) {
            // Two prepares of one id raced past NOT EXISTS; the other one's row is there now.
            return transactions.execute(status -> prepareInTransaction(message));
        }
    }

    private Prepared prepareInTransaction(HalfMessage message) {
        Instant now = clock.instant();
        if (store.insertHalf(message, now, now.plus(properties.transactionTimeout()))) {
            meters.counter("sagaflow.tx-messages.transitions", "to", TxMessageState.HALF.name(), "by",
                    DecidedBy.PRODUCER.name()).increment();
            return new Prepared(TxMessageView.of(store.find(message.id()).orElseThrow()), true);
        }
        StoredTxMessage existing = store.find(message.id())
                .orElseThrow(() -> new IllegalStateException("transactional message " + message.id() + " vanished"));
        if (!message.sameMessageAs(existing)) {
            throw ConflictException.onField("id",
                    "transactional message " + message.id() + " exists with a different producer group, "
                            + "destination, headers or payload");
        }
        return new Prepared(TxMessageView.of(existing), false);
    }

    /**
     * Applies a decision. The same decision again returns the message unchanged; the opposite one of
     * a final message is a 409. An operator may only resolve PARKED messages; the producer's own
     * decision (direct or through a check-back) is also taken for a PARKED one, since it knows.
     *
     * @throws NotFoundException for an unknown id, ConflictException for a contradicting or misplaced decision
     */
    TxMessageView decide(String id, Decision decision, DecidedBy by) {
        return transactions.execute(status -> {
            StoredTxMessage message = store.lock(id)
                    .orElseThrow(() -> new NotFoundException("no transactional message " + id));
            TxMessageState target = decision.target();
            if (message.state() == target) {
                return TxMessageView.of(message); // a repeat: harmless
            }
            if (message.state().isFinal()) {
                throw new ConflictException("transactional message " + id + " is " + message.state()
                        + "; it cannot be " + decision.pastTense() + " any more");
            }
            if (by == DecidedBy.OPERATOR && message.state() != TxMessageState.PARKED) {
                throw new ConflictException("transactional message " + id + " is " + message.state()
                        + "; only PARKED messages are resolved by an operator (the producer commits or rolls back)");
            }
            Instant now = clock.instant();
            store.decide(message, target, by, now);
            if (by == DecidedBy.CHECK_BACK) {
                store.recordAnswer(id, decision == Decision.COMMIT ? CheckResult.COMMIT : CheckResult.ROLLBACK);
            }
            if (target == TxMessageState.COMMITTED) {
                outbox.append(toOutboxMessage(message));
            }
            meters.counter("sagaflow.tx-messages.transitions", "to", target.name(), "by", by.name()).increment();
            log.info("Transactional message {} of producer group {} {} by {}", id, message.producerGroup(),
                    decision.pastTense(), by);
            return TxMessageView.of(store.find(id).orElseThrow());
        });
    }

    TxMessageView find(String id) {
        return store.find(id).map(TxMessageView::of)
                .orElseThrow(() -> new NotFoundException("no transactional message " + id));
    }

    List<TxMessageView> list(TxMessageState state, int limit) {
        return store.list(state, limit).stream().map(TxMessageView::of).toList();
    }

    /** Records an UNKNOWN answer to a check-back; the next check is already scheduled. */
    void recordUnknownAnswer(String id) {
        transactions.executeWithoutResult(status -> {
            StoredTxMessage message = store.lock(id).orElseThrow(
                    () -> new NotFoundException("no transactional message " + id));
            if (!message.state().isFinal()) {
                store.recordAnswer(id, CheckResult.UNKNOWN);
            }
        });
    }

    /** The message's id is the delivered message id, so consumers' inboxes drop redeliveries. */
    private static OutboxMessage toOutboxMessage(StoredTxMessage message) {
        Map<String, String> headers = new LinkedHashMap<>(message.headers());
        headers.put(TxMessageProtocol.MESSAGE_ID_HEADER, message.id());
        headers.put(TxMessageProtocol.PRODUCER_GROUP_HEADER, message.producerGroup());
        return new OutboxMessage(message.id(), null, message.exchange(), message.routingKey(), message.type(), null,
                null, headers, message.payload());
    }
}
