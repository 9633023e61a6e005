package io.sagaflow.txmessage;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.contract.TxMessageProtocol;
import io.sagaflow.publisher.ConfirmedPublisher;
import io.sagaflow.roles.ConditionalOnOrchestratorRole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Asks producers about HALF messages they left undecided. Runs on every instance: due rows are
 * claimed with {@code FOR UPDATE SKIP LOCKED}, so each is checked by one instance only. For each
 * claimed message it either sends the next check-back (at most {@code max-checks}) or, when the last
 * one stayed without a COMMIT or ROLLBACK answer for a whole check interval, parks it.
 *
 * <p>Check requests go straight to the broker rather than through the outbox: a lost one only
 * means another one a check interval later, and an outbox row per check would pile up FAILED rows
 * for a producer group that is down. They are published with confirms and the mandatory flag, so
 * an absent producer group (no queue) is recorded as UNROUTABLE. They carry no per-message TTL
 * (RabbitMQ reads {@code expiration} as relative, the embedded Qpid broker as absolute time): a
 * producer that was down answers its stale checks, which is harmless, since answers are idempotent.
 */
@Component
@ConditionalOnOrchestratorRole
class CheckBackJob {

    private static final Logger log = LoggerFactory.getLogger(CheckBackJob.class);
    private static final int RETENTION_BATCH = 1000;

    private final TxMessageStore store;
    private final TransactionTemplate transactions;
    private final ConfirmedPublisher publisher;
    private final ObjectMapper objectMapper;
    private final TxMessageProperties properties;
    private final Clock clock;
    private final MeterRegistry meters;

    CheckBackJob(TxMessageStore store, TransactionTemplate transactions, RabbitTemplate rabbit,
                 ObjectMapper objectMapper, TxMessageProperties properties, Clock clock, MeterRegistry meters) {
        this.store = store;
        this.transactions = transactions;
        this.publisher = new ConfirmedPublisher(rabbit, "The check-back job");
        this.objectMapper = objectMapper;
        this.properties = properties;
        this.clock = clock;
        this.meters = meters;
    }

    @Scheduled(fixedDelayString = "${sagaflow.tx-messages.poll-interval:PT1S}",
            initialDelayString = "${sagaflow.tx-messages.poll-interval:PT1S}")
    void run() {
        try {
            checkDueMessages();
        } catch (RuntimeException e) {
            // Database or broker trouble: the rows are safe and still due; the next round retries.
            log.warn("Check-back round failed, next try in {}: {}", properties.pollInterval(), e.toString());
        }
    }

    /**
     * Handles every message due now, batch by batch.
     *
     * @return how many due messages were claimed (checked or parked)
     */
    int checkDueMessages() {
        int total = 0;
        int claimed;
        do {
            claimed = checkOneBatch();
            total += claimed;
        } while (claimed == properties.batchSize());
        return total;
    }

    private int checkOneBatch() {
        Integer claimed = transactions.execute(status -> {
            Instant now = clock.instant();
            List<StoredTxMessage> due = store.claimDue(now, properties.batchSize());
            List<ConfirmedPublisher.Outgoing<StoredTxMessage>> checks = new ArrayList<>();
            for (StoredTxMessage message : due) {
                if (message.checks() >= properties.maxChecks()) {
                    park(message, now);
                } else {
                    checks.add(checkRequest(message));
                }
            }
            ConfirmedPublisher.Batch<StoredTxMessage> batch = publisher.publish(checks);
            if (batch.unreachable() != null) {
                log.warn("Broker unreachable, check-backs wait: {}", batch.unreachable().getMessage());
                batch.notPublished().forEach(message -> notCounted(message, now));
            }
            batch.awaitConfirms(properties.confirmTimeout(), confirmation -> {
                StoredTxMessage message = confirmation.subject();
                CheckResult result = switch (confirmation.outcome()) {
                    case CONFIRMED -> CheckResult.SENT;
                    case RETURNED -> CheckResult.UNROUTABLE;
                    case NACKED, TIMED_OUT, FAILED -> CheckResult.NOT_CONFIRMED;
                };
                store.recordCheck(message.id(), message.checks() + 1, now, now.plus(properties.checkInterval()),
                        result);
                meters.counter("sagaflow.tx-messages.check-backs", "result", result.name()).increment();
                if (result != CheckResult.SENT) {
                    log.warn("Check-back {} of transactional message {} (producer group {}): {}",
                            message.checks() + 1, message.id(), message.producerGroup(), result);
                }
            });
            return due.size();
        });
        return claimed == null ? 0 : claimed;
    }

    private void park(StoredTxMessage message, Instant now) {
        store.park(message, now);
        meters.counter("sagaflow.tx-messages.transitions", "to", TxMessageState.PARKED.name(), "by",
                DecidedBy.CHECK_BACK.name()).increment();
        log.warn("Transactional message {} of producer group {} PARKED: no COMMIT or ROLLBACK answer after {} "
                + "check-backs; an operator resolves it (POST /api/tx-messages/{}/resolve)", message.id(),
                message.producerGroup(), message.checks(), message.id());
    }

    /** The broker is down: this round does not count against the message's checks. */
    private void notCounted(StoredTxMessage message, Instant now) {
        store.recordCheck(message.id(), message.checks(), message.lastCheckAt(), now.plus(properties.checkInterval()),
                CheckResult.BROKER_UNREACHABLE);
    }

    private ConfirmedPublisher.Outgoing<StoredTxMessage> checkRequest(StoredTxMessage message) {
        int check = message.checks() + 1;
        MessageProperties amqp = new MessageProperties();
        amqp.setMessageId(UUID.randomUUID().toString());
        amqp.setCorrelationId(message.id());
        amqp.setReplyTo(TxMessageProtocol.CHECK_REPLIES_QUEUE);
        amqp.setType(TxMessageProtocol.CHECK_TYPE);
        amqp.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        amqp.setContentEncoding("UTF-8");
        amqp.setHeader(TxMessageProtocol.MESSAGE_ID_HEADER, message.id());
        amqp.setHeader(TxMessageProtocol.PRODUCER_GROUP_HEADER, message.producerGroup());
        amqp.setHeader(TxMessageProtocol.CHECK_HEADER, Integer.toString(check));
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", message.id());
        body.put("producerGroup", message.producerGroup());
        body.put("check", check);
        return ConfirmedPublisher.Outgoing.mandatory(message, TxMessageProtocol.CHECKS_EXCHANGE,
                message.producerGroup(), new Message(json(body), amqp));
    }

    /** Decided messages are kept for the retention period, so repeated requests stay idempotent. */
    @Scheduled(fixedDelayString = "PT1M", initialDelayString = "PT1M")
    void deleteExpiredDecisions() {
        int total = store.deleteDecidedBefore(clock.instant().minus(properties.retention()), RETENTION_BATCH);
        if (total > 0) {
            log.info("Deleted {} decided transactional messages older than {}", total, properties.retention());
        }
    }

    private byte[] json(Object value) {
        try {
            return objectMapper.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("check request not serializable", e);
        }
    }
}
