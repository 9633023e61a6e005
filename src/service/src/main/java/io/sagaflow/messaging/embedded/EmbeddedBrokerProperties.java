package io.sagaflow.messaging.embedded;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The in-JVM AMQP 0-9-1 broker of the embedded mode.
 *
 * @param enabled start it (the embedded default); the {@code prod} profile switches it off
 * @param port its port on 127.0.0.1; 0 for any free one
 */
@ConfigurationProperties("sagaflow.embedded-broker")
public record EmbeddedBrokerProperties(@DefaultValue("false") boolean enabled, @DefaultValue("5673") int port) {
}
