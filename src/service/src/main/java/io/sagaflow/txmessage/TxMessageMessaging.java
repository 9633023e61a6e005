package io.sagaflow.txmessage;

import io.sagaflow.contract.TxMessageProtocol;
import io.sagaflow.messaging.ListenerContainers;
import io.sagaflow.roles.ConditionalOnOrchestratorRole;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Sagaflow's side of the transactional-message topology: the requests exchange and queue, the
 * check-back exchange (each producer group binds its own queue to it), and the queue of
 * check-back answers. Both queues are consumed through {@link ListenerContainers}, so inbox,
 * retries and parking apply as to every other consumer.
 */
@Configuration(proxyBeanMethods = false)
class TxMessageMessaging {

    static final String REQUESTS_CONSUMER = "tx-messages";
    static final String CHECK_REPLIES_CONSUMER = "tx-check-replies";

    @Bean
    Declarables txMessageTopology() {
        DirectExchange requests = new DirectExchange(TxMessageProtocol.REQUESTS_EXCHANGE, true, false);
        Queue requestQueue = QueueBuilder.durable(TxMessageProtocol.REQUESTS_QUEUE).build();
        Queue replies = QueueBuilder.durable(TxMessageProtocol.CHECK_REPLIES_QUEUE).build();
        return new Declarables(requests, requestQueue,
                BindingBuilder.bind(requestQueue).to(requests).with(TxMessageProtocol.PREPARE),
                BindingBuilder.bind(requestQueue).to(requests).with(TxMessageProtocol.COMMIT),
                BindingBuilder.bind(requestQueue).to(requests).with(TxMessageProtocol.ROLLBACK),
                new DirectExchange(TxMessageProtocol.CHECKS_EXCHANGE, true, false),
                replies);
    }

    @Bean
    @ConditionalOnOrchestratorRole
    SimpleMessageListenerContainer txMessageRequestListener(ListenerContainers containers, ProducerRequests handler) {
        return containers.create(REQUESTS_CONSUMER, TxMessageProtocol.REQUESTS_QUEUE, handler,
                containers.parkingRecoverer(REQUESTS_CONSUMER));
    }

    @Bean
    @ConditionalOnOrchestratorRole
    SimpleMessageListenerContainer txCheckReplyListener(ListenerContainers containers, CheckReplies handler) {
        return containers.create(CHECK_REPLIES_CONSUMER, TxMessageProtocol.CHECK_REPLIES_QUEUE, handler,
                containers.parkingRecoverer(CHECK_REPLIES_CONSUMER));
    }
}
