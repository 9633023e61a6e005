package io.sagaflow.messaging;

import io.sagaflow.contract.Topology;
import io.sagaflow.publisher.PublisherConfirmsThread;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Exchanges shared by all roles. Declaring them is idempotent, so every instance does it. */
@Configuration(proxyBeanMethods = false)
class MessagingConfiguration {

    @Bean
    Declarables sagaflowExchanges() {
        return new Declarables(
                new TopicExchange(Topology.COMMANDS_EXCHANGE, true, false),
                new DirectExchange(Topology.REPLIES_EXCHANGE, true, false));
    }

    /** Static: a bean post-processor has to exist before the connection factory it adjusts. */
    @Bean
    static PublisherConfirmsThread publisherConfirmsThread() {
        return new PublisherConfirmsThread();
    }
}
