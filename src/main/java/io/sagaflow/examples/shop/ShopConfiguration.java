package io.sagaflow.examples.shop;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.messaging.ListenerContainers;
import io.sagaflow.messaging.Topology;
import io.sagaflow.roles.ConditionalOnParticipantRole;
import io.sagaflow.txmessage.client.TxMessageProducer;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The example shop: it places an order in its own local transaction and announces it with a
 * transactional message (producer group {@value #PRODUCER_GROUP}); the committed
 * {@value #ORDER_PLACED} event starts the order-fulfillment saga. So one order runs through all
 * three techniques: transactional message → outbox → saga.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnParticipantRole("shop")
class ShopConfiguration {

    static final String PRODUCER_GROUP = "shop";
    static final String OUTCOME_TABLE = "shop.tx_outcome";
    /** Topic exchange of business events. */
    static final String EVENTS_EXCHANGE = Topology.EVENTS_EXCHANGE;
    /** Routing key and AMQP type of the event. */
    static final String ORDER_PLACED = "shop.order-placed";
    static final String SAGA_STARTER_CONSUMER = "order-saga-starter";
    static final String SAGA_STARTER_QUEUE = "sagaflow.examples.shop.order-placed";

    @Bean
    TxMessageProducer shopMessageProducer(ConnectionFactory connectionFactory, DataSource dataSource,
                                          PlatformTransactionManager transactionManager, ObjectMapper objectMapper) {
        return TxMessageProducer.builder(PRODUCER_GROUP)
                .connectionFactory(connectionFactory)
                .database(dataSource, transactionManager)
                .outcomeTable(OUTCOME_TABLE)
                .objectMapper(objectMapper)
                .build();
    }

    @Bean
    Declarables shopTopology() {
        TopicExchange events = new TopicExchange(EVENTS_EXCHANGE, true, false);
        Queue sagaStarter = QueueBuilder.durable(SAGA_STARTER_QUEUE).build();
        return new Declarables(events, sagaStarter, BindingBuilder.bind(sagaStarter).to(events).with(ORDER_PLACED));
    }

    @Bean
    SimpleMessageListenerContainer orderSagaStarterListener(ListenerContainers containers, OrderSagaStarter starter) {
        return containers.create(SAGA_STARTER_CONSUMER, SAGA_STARTER_QUEUE, starter,
                containers.parkingRecoverer(SAGA_STARTER_CONSUMER));
    }
}
