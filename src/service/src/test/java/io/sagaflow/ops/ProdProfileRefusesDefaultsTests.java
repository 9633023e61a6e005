package io.sagaflow.ops;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sagaflow.SagaflowApplication;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * README: the {@code prod} profile has no development credentials; without SAGAFLOW_ADMIN_USER and
 * SAGAFLOW_ADMIN_PASSWORD the service does not start. Started here as an operator would, with the
 * profile and nothing else set, so it fails on the first thing it lacks.
 */
@DisplayName("The prod profile refuses to start without admin credentials")
class ProdProfileRefusesDefaultsTests {

    @Test
    @DisplayName("no SAGAFLOW_ADMIN_USER: the start fails naming it, before it serves anything")
    void noAdminCredentialsNoStart() {
        assumeTrue(System.getenv("SAGAFLOW_ADMIN_USER") == null && System.getProperty("SAGAFLOW_ADMIN_USER") == null,
                "this JVM has admin credentials set");
        SpringApplicationBuilder prod = new SpringApplicationBuilder(SagaflowApplication.class).profiles("prod")
                // No database needed to refuse: the credentials are missing before anything connects.
                .properties("server.port=0", "camunda.bpm.process-engine-name=prodCheck",
                        "spring.datasource.url=jdbc:postgresql://127.0.0.1:1/unreachable",
                        "camunda.bpm.webapp.enabled=false", "spring.jmx.enabled=false");

        assertThatThrownBy(prod::run).hasStackTraceContaining("SAGAFLOW_ADMIN_USER");
    }
}
