package io.sagaflow.txmessage.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.TxMessageProtocol;
import io.sagaflow.publisher.ConfirmedPublisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageDeliveryMode;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.connection.ConnectionListener;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.context.SmartLifecycle;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The producer side of transactional messages, for any Spring application with a JDBC database
 * and RabbitMQ: {@link #send(TxMessage, LocalTransaction)} prepares a half message in Sagaflow,
 * runs the local transaction, which also records the outcome in the producer's own table, then
 * commits or rolls the message back. Check-backs for the producer group are answered from that
 * table, so a crash anywhere in between still ends with the message delivered exactly when the
 * local transaction committed.
 *
 * <p>Needs a connection factory with correlated publisher confirms and returns (the prepare must be
 * safely in Sagaflow's queue before the local transaction starts), and a table created with
 * {@link #outcomeTableDdl(String)}. Register it as a bean: as a {@link SmartLifecycle} it declares
 * and consumes the group's check queue while the application runs.
 *
 * <pre>{@code
 * @Bean
 * TxMessageProducer orderEvents(ConnectionFactory rabbit, DataSource db, PlatformTransactionManager tx) {
 *     return TxMessageProducer.builder("shop").connectionFactory(rabbit)
 *             .database(db, tx).outcomeTable("shop.tx_outcome").build();
 * }
 * ...
 * producer.send(TxMessage.of("sagaflow.events", "shop.order-placed", json),
 *         messageId -> jdbc.update("INSERT INTO shop.orders ...", ...));
 * }</pre>
 */
public final class TxMessageProducer implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(TxMessageProducer.class);
    private static final Pattern PRODUCER_GROUP = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private final String producerGroup;
    private final ConnectionFactory connectionFactory;
    private final ConfirmedPublisher publisher;
    private final TransactionTemplate transactions;
    private final OutcomeTable outcomes;
    private final ObjectMapper objectMapper;
    private final Duration confirmTimeout;
    private final ConnectionListener redeclareOnReconnect = connection -> declareCheckQueue();

    private volatile boolean running;
    private SimpleMessageListenerContainer checkListener;

    private TxMessageProducer(Builder builder) {
        if (builder.producerGroup == null || !PRODUCER_GROUP.matcher(builder.producerGroup).matches()) {
            throw new IllegalArgumentException("producer group must be 1-100 of [A-Za-z0-9._-]: " + builder.producerGroup);
        }
        this.producerGroup = builder.producerGroup;
        this.connectionFactory = Objects.requireNonNull(builder.connectionFactory, "connectionFactory");
        // Without confirms a prepare could be lost while the local transaction commits.
        this.publisher = ConfirmedPublisher.on(connectionFactory, "TxMessageProducer");
        Objects.requireNonNull(builder.dataSource, "dataSource");
        Objects.requireNonNull(builder.transactionManager, "transactionManager");
        this.transactions = new TransactionTemplate(builder.transactionManager);
        this.outcomes = new OutcomeTable(builder.outcomeTable, producerGroup, new JdbcTemplate(builder.dataSource),
                transactions, builder.clock);
        this.objectMapper = builder.objectMapper != null ? builder.objectMapper : new ObjectMapper();
        this.confirmTimeout = builder.confirmTimeout;
    }

    public static Builder builder(String producerGroup) {
        return new Builder(producerGroup);
    }

    /** Portable DDL (H2, PostgreSQL) of the outcome table; one table may serve several producer groups. */
    public static String outcomeTableDdl(String table) {
        return OutcomeTable.ddl(table);
    }

    public String producerGroup() {
        return producerGroup;
    }

    /**
     * Delivers {@code message} if and only if {@code localTransaction} commits.
     *
     * <ol>
     *   <li>prepare: the half message is published and confirmed by the broker (else nothing happened
     *       and this throws);</li>
     *   <li>the local transaction runs, with the COMMIT record of this message;</li>
     *   <li>commit (or rollback if the local transaction threw). If that last request is lost, the
     *       check-back finds the answer in the outcome table.</li>
     * </ol>
     *
     * @return the transactional message's id
     * @throws TxMessageException if the prepare was not confirmed, or a check-back rolled the message
     *     back before the local transaction could commit
     * @throws RuntimeException whatever the local transaction threw (the message is rolled back)
     */
    public String send(TxMessage message, LocalTransaction localTransaction) {
        Objects.requireNonNull(localTransaction, "localTransaction");
        if (TransactionSynchronizationManager.isActualTransactionActive()) {
            // Inside an outer transaction the local one would commit later than our commit request.
            throw new IllegalStateException("send() runs its own local transaction: call it outside a transaction");
        }
        String id = message.id() != null ? message.id() : UUID.randomUUID().toString();
        publishConfirmed(TxMessageProtocol.PREPARE, id, prepareBody(id, message));

        boolean[] localWorkDone = {false};
        try {
            transactions.executeWithoutResult(status -> {
                outcomes.recordCommit(id); // first: a concurrent check-back now waits for this transaction
                localTransaction.execute(id);
                localWorkDone[0] = true;
            });
        } catch (RuntimeException failure) {
            if (localWorkDone[0]) {
                // The commit itself failed: its outcome is unknown here, the outcome table will tell.
                log.warn("Commit of the local transaction of message {} failed; the check-back decides", id);
            } else {
                requestQuietly(TxMessageProtocol.ROLLBACK, id);
            }
            throw failure;
        }
        requestQuietly(TxMessageProtocol.COMMIT, id);
        return id;
    }

    /** The outcome of {@code messageId} from the outcome table, as a check-back gets it. */
    public CheckAnswer localOutcome(String messageId) {
        return outcomes.answer(messageId);
    }

    private void requestQuietly(String operation, String id) {
        try {
            publishConfirmed(operation, id, json(Map.of("id", id)));
        } catch (RuntimeException e) {
            log.warn("Could not send {} of transactional message {} ({}); the check-back will settle it", operation,
                    id, e.getMessage());
        }
    }

    private void publishConfirmed(String operation, String id, byte[] body) {
        MessageProperties properties = new MessageProperties();
        // One message id per (message, operation): Sagaflow's inbox drops repeats of the same request.
        properties.setMessageId(id + ":" + operation);
        properties.setType(operation);
        properties.setCorrelationId(id);
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        properties.setContentEncoding("UTF-8");
        properties.setDeliveryMode(MessageDeliveryMode.PERSISTENT);
        properties.setHeader(TxMessageProtocol.MESSAGE_ID_HEADER, id);
        properties.setHeader(TxMessageProtocol.PRODUCER_GROUP_HEADER, producerGroup);
        ConfirmedPublisher.Confirmation<String> confirmation;
        try {
            confirmation = publisher.publishAndAwait(ConfirmedPublisher.Outgoing.mandatory(id,
                    TxMessageProtocol.REQUESTS_EXCHANGE, operation, new Message(body, properties)), confirmTimeout);
        } catch (AmqpException e) {
            throw new TxMessageException(operation + " of " + id + " could not be published", e);
        }
        switch (confirmation.outcome()) {
            case CONFIRMED -> {
            }
            case RETURNED -> throw new TxMessageException(operation + " of " + id + " was unroutable: no queue is "
                    + "bound to " + TxMessageProtocol.REQUESTS_EXCHANGE + " (is Sagaflow running?)");
            case NACKED -> throw new TxMessageException(operation + " of " + id + " was refused by the broker: "
                    + confirmation.detail());
            case TIMED_OUT -> throw new TxMessageException(operation + " of " + id + " was not confirmed within "
                    + confirmTimeout);
            case FAILED -> throw new TxMessageException(confirmation.failure() instanceof InterruptedException
                    ? "interrupted while sending " + operation + " of " + id
                    : operation + " of " + id + " failed: " + confirmation.failure(), confirmation.failure());
        }
    }

    private byte[] prepareBody(String id, TxMessage message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("producerGroup", producerGroup);
        body.put("exchange", message.exchange());
        body.put("routingKey", message.routingKey());
        if (message.type() != null) {
            body.put("type", message.type());
        }
        body.put("headers", message.headers());
        body.put("payload", message.payload()); // a JSON string: Sagaflow delivers its text unchanged
        return json(body);
    }

    private void answerCheck(Message check) {
        String id = check.getMessageProperties().getCorrelationId();
        try {
            JsonNode body = objectMapper.readTree(check.getBody());
            if (body.hasNonNull("id")) {
                id = body.get("id").asText();
            }
        } catch (IOException unreadable) {
            log.warn("Unreadable check-back body for {}; answering from its correlation id", id);
        }
        String replyTo = check.getMessageProperties().getReplyTo();
        if (id == null || replyTo == null) {
            log.warn("Ignoring a check-back without id or reply_to");
            return;
        }
        CheckAnswer answer = outcomes.answer(id);
        MessageProperties properties = new MessageProperties();
        properties.setMessageId(UUID.randomUUID().toString());
        properties.setCorrelationId(id);
        properties.setType(TxMessageProtocol.CHECK_REPLY_TYPE);
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        properties.setContentEncoding("UTF-8");
        properties.setHeader(TxMessageProtocol.MESSAGE_ID_HEADER, id);
        properties.setHeader(TxMessageProtocol.PRODUCER_GROUP_HEADER, producerGroup);
        // Not awaited: a lost answer is asked for again at the next check.
        Message reply = new Message(json(Map.of("id", id, "decision", answer.name())), properties);
        publisher.template().send("", replyTo, reply, new CorrelationData(UUID.randomUUID().toString()));
        log.debug("Answered check-back of {} with {}", id, answer);
    }

    private void declareCheckQueue() {
        if (!running) {
            return;
        }
        RabbitAdmin admin = new RabbitAdmin(connectionFactory);
        DirectExchange checks = new DirectExchange(TxMessageProtocol.CHECKS_EXCHANGE, true, false);
        Queue queue = QueueBuilder.durable(TxMessageProtocol.checkQueue(producerGroup)).build();
        admin.declareExchange(checks);
        admin.declareQueue(queue);
        admin.declareBinding(BindingBuilder.bind(queue).to(checks).with(producerGroup));
    }

    private byte[] json(Object value) {
        try {
            return objectMapper.writeValueAsString(value).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not serializable as JSON: " + e.getOriginalMessage(), e);
        }
    }

    @Override
    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        declareCheckQueue();
        connectionFactory.addConnectionListener(redeclareOnReconnect);
        SimpleMessageListenerContainer container = new SimpleMessageListenerContainer(connectionFactory);
        container.setListenerId("tx-checks-" + producerGroup); // its threads' names, in thread dumps
        container.setQueueNames(TxMessageProtocol.checkQueue(producerGroup));
        container.setMessageListener(this::answerCheck);
        // A check that cannot be answered now is dropped, not requeued in a hot loop: Sagaflow asks again.
        container.setDefaultRequeueRejected(false);
        container.afterPropertiesSet();
        container.start();
        checkListener = container;
    }

    @Override
    public synchronized void stop() {
        running = false;
        connectionFactory.removeConnectionListener(redeclareOnReconnect);
        if (checkListener != null) {
            checkListener.stop();
            checkListener.destroy();
            checkListener = null;
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Settings of a {@link TxMessageProducer}; all but the confirm timeout, clock and object mapper are required. */
    public static final class Builder {

        private final String producerGroup;
        private ConnectionFactory connectionFactory;
        private DataSource dataSource;
        private PlatformTransactionManager transactionManager;
        private String outcomeTable;
        private ObjectMapper objectMapper;
        private Duration confirmTimeout = Duration.ofSeconds(10);
        private Clock clock = Clock.systemUTC();

        private Builder(String producerGroup) {
            this.producerGroup = producerGroup;
        }

        public Builder connectionFactory(ConnectionFactory connectionFactory) {
            this.connectionFactory = connectionFactory;
            return this;
        }

        /** The producer's database: the local transaction and the outcome table live here. */
        public Builder database(DataSource dataSource, PlatformTransactionManager transactionManager) {
            this.dataSource = dataSource;
            this.transactionManager = transactionManager;
            return this;
        }

        /** {@code [schema.]table}, created with {@link TxMessageProducer#outcomeTableDdl(String)}. */
        public Builder outcomeTable(String outcomeTable) {
            this.outcomeTable = outcomeTable;
            return this;
        }

        public Builder objectMapper(ObjectMapper objectMapper) {
            this.objectMapper = objectMapper;
            return this;
        }

        /** How long a prepare, commit or rollback may wait for the broker's confirm (default 10 s). */
        public Builder confirmTimeout(Duration confirmTimeout) {
            this.confirmTimeout = Objects.requireNonNull(confirmTimeout);
            return this;
        }

        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock);
            return this;
        }

        public TxMessageProducer build() {
            return new TxMessageProducer(this);
        }
    }
}
