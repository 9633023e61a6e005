package io.sagaflow.testing;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.support.AbstractTestExecutionListener;

/**
 * The service's {@link java.time.Clock} in the shared integration-test context: the system clock
 * until a test advances it (past a step deadline, to a held-back reply), so that test does not wait
 * real seconds. {@link ResetAfterEachTest} takes the advance back after every test method, so no
 * other test sees a moved clock. Camunda's own clock ({@code ClockUtil}) is not touched: the service
 * takes every time decision of its own (deadlines, outbox delays and backoff) from this bean.
 */
@TestConfiguration(proxyBeanMethods = false)
public class SettableClockConfiguration {

    @Bean
    @Primary
    public SettableClock settableClock() {
        return SettableClock.onSystemTime();
    }

    /** Resets the context's settable clock after each test method, whether the test moved it or not. */
    public static final class ResetAfterEachTest extends AbstractTestExecutionListener {

        @Override
        public void afterTestMethod(TestContext testContext) {
            if (testContext.hasApplicationContext()) {
                testContext.getApplicationContext().getBeanProvider(SettableClock.class).ifAvailable(SettableClock::reset);
            }
        }
    }
}
