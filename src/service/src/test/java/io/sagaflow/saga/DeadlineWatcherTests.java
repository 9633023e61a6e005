package io.sagaflow.saga;

import static org.assertj.core.api.Assertions.assertThat;
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
import io.sagaflow.testing.SettableClock;
import io.sagaflow.outbox.OutboxAdmin;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.beans.factory.support.StaticListableBeanFactory;
import org.springframework.transaction.CannotCreateTransactionException;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Overdue steps are sent to judgment through the replies queue, or get their deadline again if their
 * command never left the outbox; and the grace after start-up and outages: overdue steps are not
 * judged before held-back messages had a chance.
 */
class DeadlineWatcherTests {

    private final SettableClock clock = SettableClock.at(Instant.parse("2026-12-05T08:00:00Z"));
    private final SagaSteps steps = mock(SagaSteps.class);
    private final TransactionTemplate transactions = mock(TransactionTemplate.class);
    private final DeadlineWatcher watcher = new DeadlineWatcher(steps, mock(OutboxStepCommands.class),
            mock(OutboxAdmin.class), transactions,
            new SimpleMeterRegistry(), null, null, clock,
            new SagaProperties(Duration.ofMinutes(5), Duration.ofSeconds(1), 65536, 5, List.of(), List.of(),
                    Duration.ofSeconds(20), 5, false, false),
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

    @Test
    @DisplayName("an overdue step whose command was published becomes OVERDUE and its deadline-passed message is written: it is not stopped here")
    void overdueStepIsSentToJudgment() {
        Judging judging = new Judging(false);

        assertThat(judging.watcher.stopOneOverdueStep()).isTrue();

        verify(judging.steps).markOverdue("command-1");
        verify(judging.commands).sendDeadlinePassed(judging.overdue,
                "no reply to payment.charge within its deadline of PT30S");
        verify(judging.steps, never()).recordAnswer(any(), any(), any());
        verify(judging.steps, never()).postponeDeadline(any(), any());
    }

    @Test
    @DisplayName("an overdue step whose command is still in the outbox cannot have been answered: its deadline starts again")
    void commandStillInTheOutboxRestartsTheDeadline() {
        Judging judging = new Judging(true);

        assertThat(judging.watcher.stopOneOverdueStep()).isTrue();

        verify(judging.steps).postponeDeadline("command-1", clock.instant().plus(Duration.ofSeconds(30)));
        verify(judging.steps, never()).markOverdue(any());
        verify(judging.commands, never()).sendDeadlinePassed(any(), any());
    }

    @Test
    @DisplayName("an OVERDUE step whose deadline-passed message was not judged in time gets another one")
    void unjudgedOverdueStepIsSentAgain() {
        Judging judging = new Judging(true, StepStatus.OVERDUE);

        assertThat(judging.watcher.stopOneOverdueStep()).isTrue();

        verify(judging.steps).markOverdue("command-1");
        verify(judging.commands).sendDeadlinePassed(any(), any());
        verify(judging.steps, never()).postponeDeadline(any(), any());
    }

    /** A watcher past its grace whose one overdue step is a payment charge, published or not. */
    private final class Judging {
        final SagaSteps steps = mock(SagaSteps.class);
        final OutboxStepCommands commands = mock(OutboxStepCommands.class);
        final SagaSteps.SentCommand overdue;
        final DeadlineWatcher watcher;

        Judging(boolean commandStillInOutbox) {
            this(commandStillInOutbox, StepStatus.WAITING);
        }

        Judging(boolean commandStillInOutbox, StepStatus status) {
            overdue = new SagaSteps.SentCommand("command-1", new StepCommand(
                    new StepCommand.Saga("saga-1", "order-1", "order-fulfillment"),
                    new StepCommand.Origin("execution-1", "Task_ChargePayment", "Task_ChargePayment"),
                    new StepCommand.Request(io.sagaflow.contract.Operation.ACTION, "payment.charge", "{}"),
                    new StepCommand.Terms(Duration.ofSeconds(30), true, false)),
                    1, status, null, clock.instant().minusSeconds(1));
            OutboxAdmin outbox = mock(OutboxAdmin.class);
            when(outbox.isPending("command-1")).thenReturn(commandStillInOutbox);
            when(steps.claimOverdue(1)).thenReturn(List.of(overdue));
            TransactionTemplate inTransaction = mock(TransactionTemplate.class);
            when(inTransaction.execute(any())).thenAnswer(call -> call
                    .<org.springframework.transaction.support.TransactionCallback<?>>getArgument(0).doInTransaction(null));
            watcher = new DeadlineWatcher(steps, commands, outbox, inTransaction, new SimpleMeterRegistry(),
                    io.sagaflow.tracing.SagaTracing.noop(), mock(SagaRegistry.class), clock,
                    new SagaProperties(Duration.ofMinutes(5), Duration.ofSeconds(1), 65536, 5, List.of(), List.of(),
                            Duration.ZERO, 5, false, false),
                    new StaticListableBeanFactory().getBeanProvider(ConnectionFactory.class));
            watcher.applicationReady();
        }
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
