package io.sagaflow.saga;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.doThrow;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sagaflow.SettableClock;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.support.TransactionTemplate;

/** The grace after start-up and outages: overdue steps are not judged before held-back messages had a chance. */
class DeadlineWatcherTests {

    private final SettableClock clock = SettableClock.at(Instant.parse("2026-12-05T08:00:00Z"));
    private final SagaSteps steps = mock(SagaSteps.class);
    private final TransactionTemplate transactions = mock(TransactionTemplate.class);
    private final DeadlineWatcher watcher = new DeadlineWatcher(steps, mock(WaitingSteps.class), transactions,
            new SimpleMeterRegistry(), null, null, clock,
            new SagaProperties(Duration.ofMinutes(5), Duration.ofSeconds(1), 65536, 5, List.of(), List.of(),
                    Duration.ofSeconds(20)),
            new StaticListableBeanFactory().getBeanProvider(ConnectionFactory.class));

    @BeforeEach
    void noStepIsOverdue() {
        when(transactions.execute(any())).thenAnswer(call -> steps.claimOverdue(1));
        when(steps.claimOverdue(anyInt())).thenReturn(List.of());
    }

    @Test
    @DisplayName("before the application is ready and within the grace after it, no overdue step is claimed; then they are")
    void waitsForTheGraceAfterStartUp() {
        clock.advance(Duration.ofMinutes(2)); // a slow start-up
        watcher.stopOverdueSteps();
        watcher.applicationReady();
        assertJudgedOnlyOnceTheGraceHasPassed();
    }

    @Test
    @DisplayName("while the broker is unreachable no deadline is judged, and for the grace after it is back")
    void holdsOffWhileTheBrokerIsAwayAndForTheGraceAfter() {
        watcher.applicationReady();
        clock.advance(Duration.ofMinutes(1));
        watcher.brokerLost();
        clock.advance(Duration.ofMinutes(10));
        watcher.stopOverdueSteps();
        watcher.brokerReachable();
        assertJudgedOnlyOnceTheGraceHasPassed();
    }

    @Test
    @DisplayName("a database error holds deadlines off for the grace: replies queued meanwhile come first")
    void holdsOffAfterADatabaseError() {
        watcher.applicationReady();
        clock.advance(Duration.ofMinutes(1));
        doThrow(new CannotCreateTransactionException("database down")).when(transactions).execute(any());
        watcher.stopOverdueSteps();
        doAnswer(call -> steps.claimOverdue(1)).when(transactions).execute(any());
        assertJudgedOnlyOnceTheGraceHasPassed();
    }

    /** 19 s into the 20 s grace nothing is claimed; at 20 s overdue steps are looked for. */
    private void assertJudgedOnlyOnceTheGraceHasPassed() {
        clock.advance(Duration.ofSeconds(19));
        watcher.stopOverdueSteps();
        verify(steps, never()).claimOverdue(anyInt());

        clock.advance(Duration.ofSeconds(1));
        watcher.stopOverdueSteps();
        verify(steps).claimOverdue(1);
    }
}
