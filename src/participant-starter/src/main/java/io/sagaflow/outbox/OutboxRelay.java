package io.sagaflow.outbox;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sagaflow.contract.Topology;
import io.sagaflow.publisher.ConfirmedPublisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Publishes committed outbox rows to the broker.
 *
 * <p>A few relay threads per instance ({@code sagaflow.outbox.workers}). A round runs right after
 * a writing transaction commits (wake-up) and at least every poll interval (sweep). Each round claims due rows with
 * {@code FOR UPDATE SKIP LOCKED}, so instances sharing a database never publish the same row at
 * the same time, publishes them all with correlated publisher confirms in flight together, and
 * commits a row SENT only when the broker acked exactly that message: the claim marks the rows SENT
 * (one statement) and the round sets back, before it commits, every row whose confirm did not come
 * (with a retention of zero the claim locks them and confirmed rows are deleted instead). A nack, a return (unroutable)
 * or a confirm timeout schedules a retry with exponential backoff and jitter; the last allowed
 * attempt makes the row FAILED. A broker that cannot be reached when publishing costs no attempt:
 * the rows just wait. A message handed to the broker whose confirm never comes does count: the relay
 * cannot tell whether the broker has it.
 *
 * <p>Only the oldest pending row of an ordering key (saga) is claimable, so a saga's messages leave
 * in the order they were written even across retries and instances.
 *
 * <p>Rows are claimed longest-due first, in the order of the partial index {@code outbox_pending_due}
 * (next_attempt_at, seq), so a claim reads about one batch of index entries: never the rows that are
 * not due yet (delayed messages, retries in backoff), and never a sort of a whole backlog.
 */
@Component
public class OutboxRelay implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
    private static final int MAX_ERROR_LENGTH = 2000;

    /** True for an outbox row {@code o} that a {@link OutboxAdmin#hold hold} matches. */
    static final String HELD = """
            EXISTS (SELECT 1 FROM sagaflow.outbox_hold h
                    WHERE h.exchange = o.exchange
                      AND LEFT(o.routing_key, LENGTH(h.routing_key_prefix)) = h.routing_key_prefix)""";

    /**
     * The relay leaves held rows PENDING, and a later row of the same ordering key waits behind a held
     * one, so releasing the hold publishes them in their order. With no hold at all (the usual case)
     * the first test answers once per query, not once per row (PostgreSQL evaluates it as an init plan).
     */
    static final String NOT_HELD = "(NOT EXISTS (SELECT 1 FROM sagaflow.outbox_hold) OR NOT " + HELD + ")";

    /** The due rows a round claims, oldest due first, skipping rows another relay holds. */
    private static final String DUE_ROWS = """
            FROM sagaflow.outbox_message o
            WHERE o.status = 'PENDING' AND o.next_attempt_at <= ? AND %s
              AND (o.ordering_key IS NULL OR NOT EXISTS (
                    SELECT 1 FROM sagaflow.outbox_message earlier
                    WHERE earlier.ordering_key = o.ordering_key AND earlier.status = 'PENDING'
                      AND earlier.seq < o.seq))
            ORDER BY o.next_attempt_at, o.seq
            LIMIT ?
            FOR UPDATE SKIP LOCKED
            """.formatted(NOT_HELD);

    /** What a round reads of a claimed row. */
    private static final String[] CLAIMED_COLUMNS = {"seq", "message_id", "ordering_key", "exchange", "routing_key",
            "message_type", "correlation_id", "reply_to", "headers", "payload", "attempts", "created_at", "broadcast"};

    /**
     * Claims due rows by locking them (parameters: now, batch size); the relay that deletes rows on
     * their confirm uses it. Package-visible so a test can check its plan on PostgreSQL with a million
     * old rows, as {@link #CLAIM_DUE_ROWS_AS_SENT}'s.
     */
    static final String CLAIM_DUE_ROWS = "SELECT " + String.join(", ", java.util.Arrays.stream(CLAIMED_COLUMNS)
            .map(column -> "o." + column).toList()) + "\n" + DUE_ROWS;

    /**
     * Claims due rows by marking them SENT (parameters: sent_at, now, batch size), read back through
     * the driver's generated keys ({@code RETURNING} on PostgreSQL). The mark is seen by nobody until
     * the round's transaction commits, after the broker confirmed every row it keeps SENT: a row whose
     * publish failed is set back in the same transaction, and a crash rolls them all back to PENDING.
     * One statement where a lock and a mark after the confirms were two (docs/performance.md).
     */
    static final String CLAIM_DUE_ROWS_AS_SENT = """
            UPDATE sagaflow.outbox_message SET status = 'SENT', sent_at = ?
            WHERE seq IN (SELECT o.seq
            """ + DUE_ROWS + ")";

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    /**
     * Publishes a batch and awaits its confirms. Broadcast rows (events for whoever subscribes) go
     * without the mandatory flag: no subscriber is no failure. Still confirmed. A batch holds at
     * most one row per ordering key, so using a second channel for them cannot reorder a saga's
     * messages.
     */
    private final ConfirmedPublisher publisher;
    /** Built once: finding the deserializer of the Map type for every row showed in the relay's profile. */
    private final ObjectReader headersReader;
    private final ObjectMapper objectMapper;
    private final OutboxProperties properties;
    /** {@code sagaflow.outbox.retention=0}: nobody wants SENT rows, so a confirmed row is deleted at once. */
    private final boolean deleteOnConfirm;
    private final Clock clock;
    private final Counter sentCounter;
    private final Counter retriedCounter;
    private final Counter failedCounter;
    private final Timer commitToConfirm;

    private final Object wakeUpSignal = new Object();
    private boolean wakeUpRequested;
    private volatile boolean running;
    private final List<Thread> workers = new ArrayList<>();

    OutboxRelay(JdbcTemplate jdbc, TransactionTemplate transactions, RabbitTemplate rabbit, ObjectMapper objectMapper,
                OutboxProperties properties, Clock clock, MeterRegistry meters) {
        // Without correlated confirms a row could be marked SENT that the broker never took.
        this.publisher = new ConfirmedPublisher(rabbit, "The outbox relay");
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.objectMapper = objectMapper;
        this.headersReader = objectMapper.readerFor(new TypeReference<Map<String, String>>() { });
        this.properties = properties;
        this.deleteOnConfirm = properties.retention().isZero();
        this.clock = clock;
        this.sentCounter = meters.counter("sagaflow.outbox.sent");
        this.retriedCounter = meters.counter("sagaflow.outbox.retried");
        this.failedCounter = meters.counter("sagaflow.outbox.failed");
        this.commitToConfirm = Timer.builder("sagaflow.outbox.commit-to-confirm")
                .description("Time from writing an outbox row to the broker's ack")
                .publishPercentiles(0.5, 0.95, 0.99)
                .register(meters);
    }

    /** Asks the relay to run a round now; cheap and safe to call from any thread, any number of times. */
    public void wakeUp() {
        synchronized (wakeUpSignal) {
            wakeUpRequested = true;
            wakeUpSignal.notifyAll();
        }
    }

    /**
     * Claims and publishes one batch of due rows.
     *
     * @return how many rows were claimed
     */
    public int relayOnce() {
        return relayRound().claimed();
    }

    /** @param brokerUnreachable some claimed rows were not published: no connection to the broker */
    private record Round(int claimed, boolean brokerUnreachable) {
    }

    private Round relayRound() {
        Round round = transactions.execute(status -> {
            Instant now = clock.instant();
            List<ClaimedRow> rows = deleteOnConfirm ? jdbc.query(CLAIM_DUE_ROWS, (rs, n) -> claimedRow(rs),
                    Timestamp.from(now), properties.batchSize()) : claimAsSent(now);
            boolean reachable = rows.isEmpty() || publishAndRecord(rows);
            return new Round(rows.size(), !reachable);
        });
        return round == null ? new Round(0, false) : round;
    }

    /** @return the claimed rows in the order they were written (a saga has at most one among them) */
    private List<ClaimedRow> claimAsSent(Instant now) {
        return jdbc.execute(connection -> {
            PreparedStatement claim = connection.prepareStatement(CLAIM_DUE_ROWS_AS_SENT, CLAIMED_COLUMNS);
            claim.setTimestamp(1, Timestamp.from(now));
            claim.setTimestamp(2, Timestamp.from(now));
            claim.setInt(3, properties.batchSize());
            return claim;
        }, (PreparedStatement claim) -> {
            claim.executeUpdate();
            List<ClaimedRow> rows = new ArrayList<>();
            try (ResultSet claimed = claim.getGeneratedKeys()) {
                while (claimed.next()) {
                    rows.add(claimedRow(claimed));
                }
            }
            rows.sort(java.util.Comparator.comparingLong(ClaimedRow::seq));
            return rows;
        });
    }

    private static ClaimedRow claimedRow(ResultSet rs) throws SQLException {
        return new ClaimedRow(rs.getLong("seq"), rs.getString("message_id"), rs.getString("ordering_key"),
                rs.getString("exchange"), rs.getString("routing_key"), rs.getString("message_type"),
                rs.getString("correlation_id"), rs.getString("reply_to"), rs.getString("headers"),
                rs.getString("payload"), rs.getInt("attempts"), rs.getTimestamp("created_at").toInstant(),
                rs.getBoolean("broadcast"));
    }

    /** @return {@code false} if the broker could not be reached for some of the rows */
    private boolean publishAndRecord(List<ClaimedRow> rows) {
        ConfirmedPublisher.Batch<ClaimedRow> batch = publisher.publish(rows.stream()
                .map(row -> new ConfirmedPublisher.Outgoing<>(row, row.exchange(), row.routingKey(), toAmqpMessage(row),
                        !row.broadcast()))
                .toList());
        if (batch.unreachable() != null) {
            // The rows not published stay PENDING without losing an attempt; rows already in
            // flight are still confirmed below.
            log.warn("Broker unreachable, {} outbox rows wait: {}", batch.notPublished().size(),
                    batch.unreachable().getMessage());
            if (!deleteOnConfirm) {
                setBackToPending(batch.notPublished());
            }
        }
        List<Long> sent = new ArrayList<>(rows.size());
        batch.awaitConfirms(properties.confirmTimeout(), confirmation -> {
            // Read the clock after this confirm arrived: the commit-to-confirm timer measures up
            // to the ack, not up to the moment the batch was handed to the broker.
            Instant now = clock.instant();
            ClaimedRow row = confirmation.subject();
            if (confirmation.confirmed()) {
                sent.add(row.seq());
                commitToConfirm.record(Duration.between(row.createdAt(), now));
            } else if (confirmation.outcome() == ConfirmedPublisher.Outcome.RETURNED && row.replyTo() != null) {
                recordUndeliverable(row, confirmation.detail(), now);
            } else {
                recordFailedAttempt(row, confirmation.describe(), now);
            }
        });
        if (!sent.isEmpty()) {
            if (deleteOnConfirm) {
                deleteSent(sent);
            }
            sentCounter.increment(sent.size());
        }
        return batch.unreachable() == null;
    }

    /** Rows the claim marked SENT that never reached the broker: PENDING again, no attempt lost. */
    private void setBackToPending(List<ClaimedRow> rows) {
        if (rows.isEmpty()) {
            return;
        }
        jdbc.update(connection -> {
            PreparedStatement statement = connection.prepareStatement(
                    "UPDATE sagaflow.outbox_message SET status = 'PENDING', sent_at = NULL WHERE seq = ANY (?)");
            statement.setArray(1, connection.createArrayOf("BIGINT", rows.stream().map(ClaimedRow::seq).toArray()));
            return statement;
        });
    }

    /**
     * With a retention of zero ({@code sagaflow.outbox.retention=0}) confirmed rows are deleted, one
     * statement for the batch, still in the transaction that claimed them: a row is then written once
     * after its insert instead of twice (SENT, later the retention delete), and a crash before the
     * commit leaves it PENDING to be published again.
     */
    private void deleteSent(List<Long> seqs) {
        jdbc.update(connection -> {
            PreparedStatement statement = connection.prepareStatement(
                    "DELETE FROM sagaflow.outbox_message WHERE seq = ANY (?)");
            statement.setArray(1, connection.createArrayOf("BIGINT", seqs.toArray()));
            return statement;
        });
    }

    private void recordFailedAttempt(ClaimedRow row, String error, Instant now) {
        int attempts = row.attempts() + 1;
        boolean lastAttempt = attempts >= properties.maxAttempts();
        String bounded = bounded(error);
        jdbc.update("""
                UPDATE sagaflow.outbox_message
                SET attempts = ?, last_error = ?, next_attempt_at = ?, status = ?, sent_at = NULL
                WHERE seq = ?
                """, attempts, bounded, Timestamp.from(now.plus(backoff(attempts))),
                (lastAttempt ? OutboxStatus.FAILED : OutboxStatus.PENDING).name(), row.seq());
        if (lastAttempt) {
            failedCounter.increment();
            log.error("Outbox message {} FAILED after {} attempts: {}", row.messageId(), attempts, bounded);
        } else {
            retriedCounter.increment();
            log.warn("Outbox message {} attempt {} failed, retrying: {}", row.messageId(), attempts, bounded);
        }
    }

    /**
     * A command the broker returned: no queue is bound for its routing key, so no retry will reach a
     * participant (a misspelt command name, or a participant that was never started). The row is
     * FAILED at once, so nothing of its saga waits behind it, and whoever waits for its reply is told
     * through the replies exchange ({@link Topology#COMMAND_UNDELIVERABLE_TYPE}) in the same
     * transaction: a saga step then ends in an incident within seconds instead of at its deadline.
     */
    private void recordUndeliverable(ClaimedRow row, String returned, Instant now) {
        String reason = "no queue is bound to " + row.exchange() + " / " + row.routingKey()
                + ": the broker returned the command as unroutable (" + returned + "). Check the command name in "
                + "the model, and that its participant runs";
        jdbc.update("""
                UPDATE sagaflow.outbox_message SET attempts = ?, last_error = ?, status = 'FAILED', sent_at = NULL
                WHERE seq = ?
                """, row.attempts() + 1, bounded(reason), row.seq());
        Map<String, String> headers = new java.util.LinkedHashMap<>(readHeaders(row));
        jdbc.update(Outbox.INSERT, OutboxMessage.newMessageId(), row.orderingKey(), Topology.REPLIES_EXCHANGE,
                row.replyTo(), Topology.COMMAND_UNDELIVERABLE_TYPE, row.correlationId(), null,
                headersJson(headers), undeliverableBody(reason), Timestamp.from(now), Timestamp.from(now), false);
        failedCounter.increment();
        log.error("Outbox message {} ({}) FAILED: {}", row.messageId(), row.type(), reason);
        wakeUp(); // the notice is due now
    }

    private String undeliverableBody(String reason) {
        try {
            return objectMapper.writeValueAsString(Map.of("reason", reason));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a text is always JSON", e);
        }
    }

    private String headersJson(Map<String, String> headers) {
        try {
            return objectMapper.writeValueAsString(headers);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("headers read as JSON are JSON", e);
        }
    }

    private static String bounded(String error) {
        return error.length() > MAX_ERROR_LENGTH ? error.substring(0, MAX_ERROR_LENGTH) : error;
    }

    /** Exponential backoff with full jitter in the upper half, so instances do not retry in lockstep. */
    Duration backoff(int attempts) {
        long initial = properties.initialBackoff().toMillis();
        long capped = Math.min(properties.maxBackoff().toMillis(), initial << Math.min(attempts - 1, 30));
        long jittered = capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
        return Duration.ofMillis(jittered);
    }

    private Message toAmqpMessage(ClaimedRow row) {
        MessageProperties amqp = new MessageProperties();
        amqp.setMessageId(row.messageId());
        amqp.setType(row.type());
        amqp.setCorrelationId(row.correlationId());
        amqp.setReplyTo(row.replyTo());
        amqp.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        amqp.setContentEncoding("UTF-8");
        amqp.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        amqp.setTimestamp(java.util.Date.from(row.createdAt()));
        readHeaders(row).forEach(amqp::setHeader);
        return new Message(row.payload().getBytes(java.nio.charset.StandardCharsets.UTF_8), amqp);
    }

    private Map<String, String> readHeaders(ClaimedRow row) {
        try {
            return headersReader.readValue(row.headers());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("outbox row " + row.messageId() + " has unreadable headers", e);
        }
    }

    private void runUntilStopped() {
        while (running) {
            try {
                Round round = relayRound();
                int claimed = round.claimed();
                if (round.brokerUnreachable()) {
                    // Not a wake-up, not the next batch: retrying at once would spin on a dead connection.
                    waitForWakeUpOrTimeout(true);
                    continue;
                }
                if (claimed >= properties.batchSize()) {
                    continue; // more may be due right now
                }
                if (claimed > 0 && properties.wakeUpAfterCommit()) {
                    wakeUp(); // a saga's next message becomes claimable once this one is SENT
                }
                // Without wake-ups the relay is a plain sweep: the next round comes with the next tick.
            } catch (RuntimeException e) {
                // Database unreachable or similar: the rows are safe in the table; try again later.
                log.warn("Outbox relay round failed, next try in {}: {}", properties.pollInterval(), e.toString());
                waitForWakeUpOrTimeout(true);
                continue;
            }
            waitForWakeUpOrTimeout(false);
        }
    }

    private void waitForWakeUpOrTimeout(boolean ignoreWakeUps) {
        synchronized (wakeUpSignal) {
            long until = System.nanoTime() + properties.pollInterval().toNanos();
            while (running && (ignoreWakeUps || !wakeUpRequested)) {
                long remainingMillis = TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime());
                if (remainingMillis <= 0) {
                    break;
                }
                try {
                    wakeUpSignal.wait(remainingMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            wakeUpRequested = false;
        }
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        for (int i = 1; i <= properties.workers(); i++) {
            Thread worker = new Thread(this::runUntilStopped, "outbox-relay-" + i);
            worker.setDaemon(true);
            worker.start();
            workers.add(worker);
        }
    }

    @Override
    public synchronized void stop() {
        running = false;
        wakeUp();
        for (Thread worker : workers) {
            try {
                worker.join(properties.confirmTimeout().toMillis() + 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        workers.clear();
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Stop after the listener containers (default phase), so replies their last messages wrote still leave. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 1;
    }

    private record ClaimedRow(long seq, String messageId, String orderingKey, String exchange, String routingKey, String type,
                              String correlationId, String replyTo, String headers, String payload, int attempts,
                              Instant createdAt, boolean broadcast) {
    }
}
