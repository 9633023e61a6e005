package io.sagaflow.testing;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.TestExecutionListeners;

/**
 * The whole service on real connections: by default the embedded mode (H2 + in-JVM AMQP broker on
 * a free port); with {@code -Preal-services} the {@code prod} profile (PostgreSQL + RabbitMQ).
 * Every integration test uses exactly this configuration, so they all share one application context.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "sagaflow.embedded-broker.port=0",
            // The API client of the tests, in both run modes (the prod profile has no default one).
            "sagaflow.security.clients[0].id=test-client",
            "sagaflow.security.clients[0].secret=test-client-secret",
            // Bearer tokens signed by the tests' own key pair (JwtTokens).
            "spring.security.oauth2.resourceserver.jwt.public-key-location=classpath:jwt/test-public.pem",
            // Several tests send wrong credentials on purpose from 127.0.0.1, the address every test
            // uses; the flood test floods from 127.0.0.2 (LoginFloodIntegrationTests).
            "sagaflow.security.login-throttle.max-failures=60",
            // Every saga traced, so TracingIntegrationTests sees whole traces.
            "management.tracing.sampling.probability=1.0",
            // Deadline tests start right after the shared context; the grace is tested by DeadlineWatcherTests.
            "sagaflow.saga.deadline-grace=PT0S",
            // Admission must not refuse the tests' own bursts and races of starts, nor shed load for a
            // moment after a test moves the clock (due outbox rows look late until the relay has them).
            // AdmissionIntegrationTests fills the replies queue past max-reply-backlog; the other bounds
            // are AdmissionTests' and the overload scenario's (docs/reliability.md).
            "sagaflow.admission.max-reply-backlog=200",
            "sagaflow.admission.max-reply-wait=PT10S",
            "sagaflow.admission.max-outbox-lag=PT1M",
            "sagaflow.admission.max-concurrent-starts=64",
            // A participant's own read endpoint, opened to readers (ModellingMistakesIntegrationTests).
            "sagaflow.security.read-paths[0]=/api/participant-reads/**",
            // The shipping participant pauses itself after 5 failures within a minute
            // (ParticipantPauseIntegrationTests); no other test fails shipping that often.
            "sagaflow.auto-pause.participants[0].command-prefix=shipping.",
            "sagaflow.auto-pause.participants[0].failures=5",
            "sagaflow.auto-pause.participants[0].window=PT1M",
        })
// Spring Boot switches tracing and metrics export off in tests unless asked: on, as in production
// (so /actuator/prometheus exists and SecurityIntegrationTests checks who may read it).
@AutoConfigureObservability
// The fixtures every integration test shares: the admin's API client, the tx-message client, and a
// clock the deadline tests move (reset after each test).
@Import({TracingTestConfiguration.class, SettableClockConfiguration.class, ApiSupport.class, TxApi.class})
@TestExecutionListeners(listeners = SettableClockConfiguration.ResetAfterEachTest.class,
        mergeMode = TestExecutionListeners.MergeMode.MERGE_WITH_DEFAULTS)
public @interface IntegrationTest {
}
