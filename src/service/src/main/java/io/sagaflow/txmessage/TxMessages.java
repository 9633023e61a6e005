package io.sagaflow.txmessage;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.contract.TxMessageProtocol;
import io.sagaflow.database.DuplicateKeys;
import io.sagaflow.errors.ConflictException;
import io.sagaflow.errors.NotFoundException;
import io.sagaflow.messaging.MessagingProperties;
import io.sagaflow.outbox.Outbox;
import io.sagaflow.outbox.OutboxMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
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
    /** Inserts of one id that keep losing to prepares which then roll back: give up and let the caller retry. */
    private static final int MAX_PREPARE_ATTEMPTS = 3;

    private final TxMessageStore store;
    private final Outbox outbox;
    private final TransactionTemplate transactions;
    /** NESTED: a savepoint in the prepare's transaction, so a lost insert race rolls back the insert only. */
    private final TransactionTemplate insertSavepoint;
    private final TxMessageProperties properties;
    private final int maxPayloadBytes;
    private final Clock clock;
    private final MeterRegistry meters;

    TxMessages(TxMessageStore store, Outbox outbox, TransactionTemplate transactions,
               PlatformTransactionManager transactionManager, TxMessageProperties properties,
               MessagingProperties messaging, Clock clock, MeterRegistry meters) {
        this.store = store;
        this.outbox = outbox;
        this.transactions = transactions;
        this.insertSavepoint = new TransactionTemplate(transactionManager);
        this.insertSavepoint.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
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
     * Stores a HALF message, invisible to consumers until committed. Joins the caller's transaction
     * (the AMQP consumer's inbox transaction) or runs its own.
     *
     * <p>The primary key decides between concurrent prepares of one id: the insert runs in a
     * savepoint, so the loser's duplicate key rolls back that insert only and leaves the caller's
     * transaction usable (PostgreSQL aborts a whole transaction on an error outside a savepoint).
     * The loser then reads the winner's row (PostgreSQL lets its insert wait for the winner's
     * commit) and answers as for a repeat, or 409 if its message differs.
     *
     * @throws io.sagaflow.errors.InvalidInputException for invalid input, ConflictException if the id belongs to a
     *         different message
     */
    Prepared prepare(PrepareRequest request) {
        HalfMessage message = HalfMessage.from(request, maxPayloadBytes);
        return transactions.execute(status -> prepareInTransaction(message));
    }

    private Prepared prepareInTransaction(HalfMessage message) {
        for (int attempt = 1; ; attempt++) {
            Instant now = clock.instant();
            if (insertHalf(message, now)) {
                meters.counter("sagaflow.tx-messages.transitions", "to", TxMessageState.HALF.name(), "by",
                        DecidedBy.PRODUCER.name()).increment();
                return new Prepared(TxMessageView.of(store.find(message.id()).orElseThrow()), true);
            }
            Optional<StoredTxMessage> existing = store.find(message.id());
            if (existing.isPresent()) {
                if (!message.sameMessageAs(existing.get())) {
                    throw ConflictException.onField("id",
                            "transactional message " + message.id() + " exists with a different producer group, "
                                    + "destination, headers or payload");
                }
                return new Prepared(TxMessageView.of(existing.get()), false);
            }
            // The prepare that held the id rolled back: the id is free again. A technical failure
            // if it keeps happening: retried over AMQP, not parked as a refusal.
            if (attempt == MAX_PREPARE_ATTEMPTS) {
                throw new IllegalStateException("transactional message " + message.id() + " was inserted and "
                        + "rolled back by concurrent prepares " + attempt + " times; retry the prepare");
            }
        }
    }

    /** @return {@code false} if a message with this id exists, committed before or by a concurrent prepare */
    private boolean insertHalf(HalfMessage message, Instant now) {
        try {
            return Boolean.TRUE.equals(insertSavepoint.execute(savepoint ->
                    store.insertHalf(message, now, now.plus(properties.transactionTimeout()))));
        } catch (RuntimeException e) {
            if (!DuplicateKeys.isCause(e)) {
                throw e;
            }
            return false;
        }
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
        return OutboxMessage.to(message.exchange(), message.routingKey(), message.type(), message.payload())
                .withId(message.id()).withHeaders(headers);
    }
}
