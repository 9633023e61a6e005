package io.sagaflow.messaging.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.rabbitmq.client.ShutdownSignalException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.amqp.AmqpAuthenticationException;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageBuilder;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.core.ReturnedMessage;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory.ConfirmType;
import org.springframework.amqp.rabbit.connection.Connection;
import org.springframework.amqp.rabbit.connection.ConnectionListener;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;

@DisplayName("Embedded AMQP broker")
class EmbeddedAmqpBrokerTests {

    private static final String USERNAME = "sagaflow";
    private static final String PASSWORD = "s3cret-$pass";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private static EmbeddedAmqpBroker broker;

    private CachingConnectionFactory connectionFactory;
    private RabbitTemplate template;
    private RabbitAdmin admin;

    @BeforeAll
    static void startBroker() {
        broker = EmbeddedAmqpBroker.start(0, USERNAME, PASSWORD);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    @BeforeEach
    void connect() {
        connectionFactory = connectionFactory(broker.port(), PASSWORD, "/");
        template = new RabbitTemplate(connectionFactory);
        admin = new RabbitAdmin(connectionFactory);
    }

    @AfterEach
    void disconnect() {
        connectionFactory.destroy();
    }

    @Test
    @DisplayName("a confirmed publish through a durable topic exchange reaches a consumer with its properties intact")
    void confirmedPublishReachesConsumerWithPropertiesIntact() throws Exception {
        TopicExchange exchange = new TopicExchange("saga.events", true, false);
        Queue queue = QueueBuilder.durable("saga.events.audit").build();
        admin.declareExchange(exchange);
        admin.declareQueue(queue);
        admin.declareBinding(BindingBuilder.bind(queue).to(exchange).with("order.*"));

        List<Message> received = new CopyOnWriteArrayList<>();
        SimpleMessageListenerContainer consumer = new SimpleMessageListenerContainer(connectionFactory);
        consumer.setQueueNames(queue.getName());
        consumer.setMessageListener(received::add);
        consumer.start();
        try {
            String messageId = UUID.randomUUID().toString();
            Message message = MessageBuilder.withBody("{\"orderId\":42}".getBytes())
                    .setContentType("application/json")
                    .setMessageId(messageId)
                    .setType("OrderPlaced")
                    .setHeader("saga-id", "saga-1")
                    .setHeader("attempt", 3)
                    .build();
            CorrelationData correlation = new CorrelationData(messageId);

            template.send(exchange.getName(), "order.placed", message, correlation);

            CorrelationData.Confirm confirm = correlation.getFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            assertThat(confirm.isAck()).isTrue();
            assertThat(correlation.getReturned()).isNull();

            await().atMost(TIMEOUT).until(() -> !received.isEmpty());
            Message delivered = received.get(0);
            assertThat(new String(delivered.getBody())).isEqualTo("{\"orderId\":42}");
            assertThat(delivered.getMessageProperties().getMessageId()).isEqualTo(messageId);
            assertThat(delivered.getMessageProperties().getType()).isEqualTo("OrderPlaced");
            assertThat(delivered.getMessageProperties().getContentType()).isEqualTo("application/json");
            assertThat(delivered.getMessageProperties().getReceivedRoutingKey()).isEqualTo("order.placed");
            assertThat(delivered.getMessageProperties().<String>getHeader("saga-id")).isEqualTo("saga-1");
            assertThat(delivered.getMessageProperties().<Integer>getHeader("attempt")).isEqualTo(3);
        } finally {
            consumer.stop();
        }
    }

    /**
     * Qpid Broker-J writes the basic.nack before the basic.return (RabbitMQ: return, then ack). Spring AMQP
     * only attaches a return to its CorrelationData when the return comes first, so here the future
     * completes with a nack, {@code getReturned()} stays null and the return reaches the template's
     * ReturnsCallback. Portable rule for publishers: "not ack, or returned" means "not delivered".
     */
    @Test
    @DisplayName("an unroutable mandatory message is nacked, then returned, and the connection stays usable")
    void unroutableMandatoryMessageIsNackedThenReturned() throws Exception {
        TopicExchange exchange = new TopicExchange("saga.unbound", true, false);
        admin.declareExchange(exchange);
        List<ReturnedMessage> returns = new CopyOnWriteArrayList<>();
        template.setMandatory(true);
        template.setReturnsCallback(returns::add);
        CorrelationData correlation = new CorrelationData("unroutable-1");

        template.send(exchange.getName(), "nobody.listens", new Message("lost".getBytes()), correlation);

        CorrelationData.Confirm confirm = correlation.getFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertThat(confirm.isAck()).isFalse();
        await().atMost(TIMEOUT).until(() -> !returns.isEmpty());
        ReturnedMessage returned = returns.get(0);
        assertThat(returned.getReplyCode()).isEqualTo(312); // NO_ROUTE
        assertThat(returned.getExchange()).isEqualTo(exchange.getName());
        assertThat(returned.getRoutingKey()).isEqualTo("nobody.listens");
        assertThat(new String(returned.getMessage().getBody())).isEqualTo("lost");
        assertThat(correlation.getReturned()).isNull();

        Queue catchAll = QueueBuilder.durable("saga.unbound.catch-all").build();
        admin.declareQueue(catchAll);
        admin.declareBinding(BindingBuilder.bind(catchAll).to(exchange).with("#"));
        CorrelationData routable = new CorrelationData("routable-1");
        template.send(exchange.getName(), "nobody.listens", new Message("found".getBytes()), routable);
        assertThat(routable.getFuture().get(TIMEOUT.toSeconds(), TimeUnit.SECONDS).isAck()).isTrue();
        assertThat(returns).hasSize(1);
    }

    @Test
    @DisplayName("a wrong password is refused")
    void wrongPasswordIsRefused() {
        CachingConnectionFactory wrongPassword = connectionFactory(broker.port(), "not-the-password", "/");
        try {
            assertThatThrownBy(wrongPassword::createConnection).isInstanceOf(AmqpAuthenticationException.class);
        } finally {
            wrongPassword.destroy();
        }
    }

    /** With Qpid's default (FAIL) this declare closes the connection with reply code 542. */
    @Test
    @DisplayName("RabbitMQ-only queue arguments are tolerated without closing the connection")
    void rabbitMqOnlyQueueArgumentsAreTolerated() {
        List<ShutdownSignalException> shutdowns = new CopyOnWriteArrayList<>();
        connectionFactory.addConnectionListener(new ConnectionListener() {
            @Override
            public void onCreate(Connection connection) {
            }

            @Override
            public void onShutDown(ShutdownSignalException signal) {
                shutdowns.add(signal);
            }
        });
        Queue queue = QueueBuilder.durable("saga.commands")
                .withArgument("x-queue-type", "classic")
                .withArgument("x-dead-letter-exchange", "saga.dlx")
                .build();

        assertThatCode(() -> admin.declareQueue(queue)).doesNotThrowAnyException();

        template.convertAndSend("", queue.getName(), "still connected");
        await().atMost(TIMEOUT).untilAsserted(
                () -> assertThat(template.receiveAndConvert(queue.getName())).isEqualTo("still connected"));
        assertThat(shutdowns).isEmpty();
    }

    @ParameterizedTest(name = "virtual host \"{0}\"")
    @ValueSource(strings = {"/", EmbeddedAmqpBroker.VIRTUAL_HOST_NAME})
    @DisplayName("the virtual host is reachable as \"/\" and by its own name")
    void virtualHostIsReachableByDefaultAndOwnName(String virtualHost) {
        CachingConnectionFactory factory = connectionFactory(broker.port(), PASSWORD, virtualHost);
        try (Connection connection = factory.createConnection()) {
            assertThat(connection.isOpen()).isTrue();
        } finally {
            factory.destroy();
        }
    }

    @Test
    @DisplayName("close frees the port so a second broker can start on it, and closing twice is harmless")
    void closeFreesThePort() {
        EmbeddedAmqpBroker first = EmbeddedAmqpBroker.start(0, USERNAME, PASSWORD);
        int port = first.port();
        assertThat(port).isPositive();

        first.close();
        first.close();

        try (EmbeddedAmqpBroker second = EmbeddedAmqpBroker.start(port, USERNAME, PASSWORD)) {
            assertThat(second.port()).isEqualTo(port);
            CachingConnectionFactory factory = connectionFactory(port, PASSWORD, "/");
            try (Connection connection = factory.createConnection()) {
                assertThat(connection.isOpen()).isTrue();
            } finally {
                factory.destroy();
            }
        }
    }

    @Test
    @DisplayName("starting on a port that is already taken fails instead of running without a listener")
    void startingOnATakenPortFails() {
        assertThatThrownBy(() -> EmbeddedAmqpBroker.start(broker.port(), USERNAME, PASSWORD))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(Integer.toString(broker.port()));
    }

    @Test
    @DisplayName("credentials containing \"${\" are rejected because Qpid would expand them")
    void credentialsQpidWouldExpandAreRejected() {
        assertThatThrownBy(() -> EmbeddedAmqpBroker.start(0, USERNAME, "pa${user.home}ss"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("password");
    }

    private static CachingConnectionFactory connectionFactory(int port, String password, String virtualHost) {
        CachingConnectionFactory factory = new CachingConnectionFactory("127.0.0.1", port);
        factory.setUsername(USERNAME);
        factory.setPassword(password);
        factory.setVirtualHost(virtualHost);
        factory.setPublisherConfirmType(ConfirmType.CORRELATED);
        factory.setPublisherReturns(true);
        return factory;
    }
}
