package io.sagaflow.messaging.embedded;

import java.util.List;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.amqp.RabbitConnectionDetails;
import org.springframework.boot.autoconfigure.amqp.RabbitProperties;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The zero-setup run mode: an in-JVM AMQP 0-9-1 broker, and Spring AMQP pointed at it through
 * {@link RabbitConnectionDetails}, so everything else takes exactly the production code path.
 * The broker bean exists before the connection details, hence before any connection is opened.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "sagaflow.embedded-broker.enabled", havingValue = "true")
class EmbeddedBrokerConfiguration {

    private static final Logger log = LoggerFactory.getLogger(EmbeddedBrokerConfiguration.class);

    @Bean(destroyMethod = "close")
    EmbeddedAmqpBroker embeddedAmqpBroker(EmbeddedBrokerProperties properties, RabbitProperties rabbit) {
        EmbeddedAmqpBroker broker = EmbeddedAmqpBroker.start(properties.port(), rabbit.getUsername(),
                rabbit.getPassword());
        log.info("Embedded AMQP 0-9-1 broker (Qpid Broker-J, in memory) listening on 127.0.0.1:{}", broker.port());
        return broker;
    }

    @Bean
    RabbitConnectionDetails embeddedBrokerConnectionDetails(EmbeddedAmqpBroker broker, RabbitProperties rabbit) {
        return new RabbitConnectionDetails() {
            @Override
            public String getUsername() {
                return rabbit.getUsername();
            }

            @Override
            public String getPassword() {
                return rabbit.getPassword();
            }

            @Override
            public String getVirtualHost() {
                return "/";
            }

            @Override
            public List<Address> getAddresses() {
                return List.of(new Address("127.0.0.1", broker.port()));
            }
        };
    }
}
