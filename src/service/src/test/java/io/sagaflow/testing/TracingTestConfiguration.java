package io.sagaflow.testing;

import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * Keeps every finished span in memory, beside whatever else exports them (Spring Boot hands every
 * SpanExporter bean to its span processor), so tests can read a saga's whole trace.
 */
@TestConfiguration(proxyBeanMethods = false)
public class TracingTestConfiguration {

    @Bean
    public InMemorySpanExporter inMemorySpanExporter() {
        return InMemorySpanExporter.create();
    }
}
