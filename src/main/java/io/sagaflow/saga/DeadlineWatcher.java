package io.sagaflow.saga;

import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.tracing.SagaTracing;
import io.sagaflow.roles.ConditionalOnOrchestratorRole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Stops steps whose reply did not arrive within their deadline. Runs on every instance: each
 * overdue command is claimed with {@code FOR UPDATE SKIP LOCKED} in its own transaction, so two
 * instances never stop the same step and one broken saga cannot hold up the others.
 */
@Component
@ConditionalOnOrchestratorRole
class DeadlineWatcher {

    private static final Logger log = LoggerFactory.getLogger(DeadlineWatcher.class);

    private final SagaSteps steps;
    private final WaitingSteps waitingSteps;
    private final TransactionTemplate transactions;
    private final MeterRegistry meters;
    private final SagaTracing tracing;
    private final SagaRegistry registry;

    DeadlineWatcher(SagaSteps steps, WaitingSteps waitingSteps, TransactionTemplate transactions,
                    MeterRegistry meters, SagaTracing tracing, SagaRegistry registry) {
        this.tracing = tracing;
        this.registry = registry;
        this.steps = steps;
        this.waitingSteps = waitingSteps;
        this.transactions = transactions;
        this.meters = meters;
    }

    @Scheduled(fixedDelayString = "${sagaflow.saga.deadline-check-interval:PT1S}")
    void stopOverdueSteps() {
        while (stopOneOverdueStep()) {
            meters.counter("sagaflow.steps.timed-out").increment();
        }
    }

    /** @return whether a step was found overdue */
    boolean stopOneOverdueStep() {
        List<SagaSteps.SentCommand> overdue;
        try {
            overdue = transactions.execute(status -> {
                List<SagaSteps.SentCommand> claimed = steps.claimOverdue(1);
                // In the saga's own trace: a scheduler has no request or message to take it from.
                claimed.forEach(command -> tracing.inSpan("saga step deadline " + command.step(),
                        Map.of("saga.id", command.sagaId(), "saga.step", command.step(), "saga.command",
                                command.command()), registry.traceparentOf(command.sagaId()), () -> {
                            waitingSteps.stop(command, StepStatus.TIMED_OUT, "no reply to " + command.command()
                                    + " within its deadline of " + command.deadline());
                            return null;
                        }));
                return claimed;
            });
        } catch (RuntimeException e) {
            log.warn("Could not stop an overdue saga step, trying again in the next round: {}", e.toString());
            return false;
        }
        overdue.forEach(command -> log.warn("Saga {} step {} ({}) timed out after {}", command.sagaId(),
                command.step(), command.command(), command.deadline()));
        return overdue != null && !overdue.isEmpty();
    }
}
