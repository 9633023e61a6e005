package io.sagaflow.saga;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.outbox.OutboxAdmin;
import io.sagaflow.tracing.SagaTracing;
import io.sagaflow.roles.ConditionalOnOrchestratorRole;
import com.rabbitmq.client.ShutdownSignalException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.rabbit.connection.Connection;
import org.springframework.amqp.rabbit.connection.ConnectionFactory;
import org.springframework.amqp.rabbit.connection.ConnectionListener;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Finds steps whose reply did not arrive within their deadline and sends them to judgment. Runs on
 * every instance: each overdue command is claimed with {@code FOR UPDATE SKIP LOCKED} in its own
 * transaction, so two instances never claim the same step and one broken saga cannot hold up the others.
 *
 * <p>A deadline judges the participant, never the orchestrator's own lag. So a claimed step is not
 * stopped here: it becomes OVERDUE and a deadline-passed message joins the orchestrator's replies
 * queue ({@link OutboxStepCommands#sendDeadlinePassed}), where it is read after every reply that
 * was queued before it ({@link ReplyCorrelator}); only if no reply came first does the step time out.
 * A command that has not even left the outbox (the relay is behind, the broker away) cannot have
 * been answered: its deadline starts again from now.
 *
 * <p>It holds off while this instance cannot reach the broker, and for
 * {@code sagaflow.saga.deadline-grace} after start-up (from the moment the application is ready), after the broker connection comes back and
 * after a database error: a deadline that passed during an outage says nothing about the
 * participant yet, because the command may not have left or the reply may be waiting in the
 * replies queue. Judging such a step at once compensates a saga that had in fact succeeded (the
 * fault-injection suite counted up to 5 % of sagas after a kill -9 or a 20 s broker outage).
 */
@Component
@ConditionalOnOrchestratorRole
class DeadlineWatcher {

    private static final Logger log = LoggerFactory.getLogger(DeadlineWatcher.class);

    private final SagaSteps steps;
    private final OutboxStepCommands commands;
    private final OutboxAdmin outbox;
    private final TransactionTemplate transactions;
    private final MeterRegistry meters;
    private final SagaTracing tracing;
    private final SagaRegistry registry;
    private final Clock clock;
    private final Duration grace;
    private volatile Instant holdUntil;
    private volatile boolean brokerUnreachable;

    DeadlineWatcher(SagaSteps steps, OutboxStepCommands commands, OutboxAdmin outbox, TransactionTemplate transactions,
                    MeterRegistry meters, SagaTracing tracing, SagaRegistry registry, Clock clock,
                    SagaProperties properties, ObjectProvider<ConnectionFactory> broker) {
        this.clock = clock;
        this.grace = properties.deadlineGrace();
        // Nothing is judged before the application is ready: its consumers have not read a reply yet.
        this.holdUntil = Instant.MAX;
        broker.ifAvailable(connections -> connections.addConnectionListener(new ConnectionListener() {
            @Override
            public void onCreate(Connection connection) {
                brokerReachable();
            }

            @Override
            public void onShutDown(ShutdownSignalException signal) {
                if (!signal.isInitiatedByApplication()) {
                    brokerLost();
                }
            }
        }));
        this.tracing = tracing;
        this.registry = registry;
        this.steps = steps;
        this.commands = commands;
        this.outbox = outbox;
        this.transactions = transactions;
        this.meters = meters;
    }

    @Scheduled(fixedDelayString = "${sagaflow.saga.deadline-check-interval:PT1S}")
    void stopOverdueSteps() {
        if (!judging()) {
            return;
        }
        while (stopOneOverdueStep()) {
            // one claimed step each round: judged, or its deadline restarted
        }
    }

    /** Whether deadlines are judged now: not while the broker is away or during a grace period. */
    boolean judging() {
        return !brokerUnreachable && !clock.instant().isBefore(holdUntil);
    }

    @EventListener(ApplicationReadyEvent.class)
    void applicationReady() {
        holdUntil = clock.instant().plus(grace);
    }

    void brokerLost() {
        brokerUnreachable = true;
    }

    void brokerReachable() {
        brokerUnreachable = false;
        holdOff();
    }

    void holdOff() {
        Instant until = clock.instant().plus(grace);
        if (until.isAfter(holdUntil)) {
            holdUntil = until;
        }
    }

    /** @return whether a step was found overdue */
    boolean stopOneOverdueStep() {
        List<SagaSteps.SentCommand> overdue;
        try {
            overdue = transactions.execute(status -> {
                List<SagaSteps.SentCommand> claimed = steps.claimOverdue(1);
                // In the saga's own trace: a scheduler has no request or message to take it from.
                claimed.forEach(sent -> {
                    StepCommand command = sent.command();
                    tracing.inSpan("saga step deadline " + command.step(), Map.of("saga.id", command.sagaId(),
                            "saga.step", command.step(), "saga.command", command.command()),
                            registry.traceparentOf(command.sagaId()), () -> {
                                sendToJudgment(sent);
                                return null;
                            });
                });
                return claimed;
            });
        } catch (RuntimeException e) {
            log.warn("Could not stop an overdue saga step, holding off for {}: {}", grace, e.toString());
            holdOff();
            return false;
        }
        return overdue != null && !overdue.isEmpty();
    }

    private void sendToJudgment(SagaSteps.SentCommand sent) {
        StepCommand command = sent.command();
        if (sent.status() == StepStatus.WAITING && outbox.isPending(sent.commandId())) {
            steps.postponeDeadline(sent.commandId(), clock.instant().plus(command.deadline()));
            meters.counter("sagaflow.steps.deadline-restarted").increment();
            log.info("Saga {} step {}: {} has not left the outbox within its deadline of {}; the deadline starts again",
                    command.sagaId(), command.step(), command.command(), command.deadline());
            return;
        }
        steps.markOverdue(sent.commandId());
        commands.sendDeadlinePassed(sent, timedOutReason(command));
        meters.counter("sagaflow.steps.overdue").increment();
        log.info("Saga {} step {} ({}) is past its deadline of {}: judged after the replies queued before now",
                command.sagaId(), command.step(), command.command(), command.deadline());
    }

    /** Why a step timed out, as its record, the incident or the saga-end event says. */
    static String timedOutReason(StepCommand command) {
        return "no reply to " + command.command() + " within its deadline of " + command.deadline();
    }
}
