package io.sagaflow.examples.shop;

import javax.sql.DataSource;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.Topology;
import io.sagaflow.roles.ConditionalOnParticipantRole;
import io.sagaflow.txmessage.client.TxMessageProducer;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The example shop: it places an order in its own local transaction and announces it with a
 * transactional message (producer group {@value #PRODUCER_GROUP}); the committed
 * {@value #ORDER_PLACED} event starts the order-fulfillment saga, on the orchestrator, configured in
 * application.yml ({@code sagaflow.saga.start-on-events}): the shop never calls the orchestrator
 * in-process. So one order runs through all three techniques: transactional message → outbox → saga.
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
}
