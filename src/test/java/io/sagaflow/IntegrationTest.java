package io.sagaflow;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.context.SpringBootTest;

/**
 * The whole service on real connections: by default the embedded mode (H2 + in-JVM AMQP broker on
 * a free port); with {@code -Preal-services} the {@code prod} profile (PostgreSQL + RabbitMQ).
 * Every integration test uses exactly this configuration, so they all share one application context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = "sagaflow.embedded-broker.port=0")
public @interface IntegrationTest {
}
