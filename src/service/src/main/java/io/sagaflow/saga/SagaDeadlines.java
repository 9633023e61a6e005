package io.sagaflow.saga;

import java.util.Optional;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.errors.ConflictException;
import io.sagaflow.roles.ConditionalOnOrchestratorRole;
import org.camunda.bpm.engine.RuntimeService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A saga past its saga deadline ({@value SagaModel#SAGA_DEADLINE_PROPERTY}) compensates everything
 * it did, as an abort does (a step still waiting is stopped and compensated too: its outcome is
 * unknown), or gets an incident ({@value SagaModel#ON_SAGA_DEADLINE_PROPERTY}). Runs on every
 * instance with the step deadlines' guarantees: each saga is claimed with {@code FOR UPDATE SKIP
 * LOCKED} and judged once ({@code deadline_passed_at}), and nothing is judged while the
 * {@link DeadlineWatcher} holds off (broker away, grace after start or an outage). A saga that is
 * compensating already keeps its course and is only marked.
 */
@Component
@ConditionalOnOrchestratorRole
class SagaDeadlines {

    private static final Logger log = LoggerFactory.getLogger(SagaDeadlines.class);

    private final SagaRegistry registry;
    private final DeadlineWatcher stepDeadlines;
    private final TransactionTemplate transactions;
    private final MeterRegistry meters;
    private final ObjectProvider<Sagas> sagas;
    private final ObjectProvider<RuntimeService> runtime;

    SagaDeadlines(SagaRegistry registry, DeadlineWatcher stepDeadlines, TransactionTemplate transactions,
                  MeterRegistry meters, ObjectProvider<Sagas> sagas, ObjectProvider<RuntimeService> runtime) {
        this.registry = registry;
        this.stepDeadlines = stepDeadlines;
        this.transactions = transactions;
        this.meters = meters;
        this.sagas = sagas;
        this.runtime = runtime;
        Gauge.builder("sagaflow.sagas.past-deadline", registry::pastDeadline)
                .description("Sagas not ended whose saga deadline has passed").register(meters);
    }

    @Scheduled(fixedDelayString = "${sagaflow.saga.deadline-check-interval:PT1S}")
    void judgeSagasPastTheirDeadline() {
        if (!stepDeadlines.judging()) {
            return;
        }
        while (judgeOne()) {
            // one claimed saga each round
        }
    }

    /** @return whether a saga was found past its deadline */
    boolean judgeOne() {
        Optional<SagaRegistry.OverdueSaga> judged;
        try {
            judged = Optional.ofNullable(transactions.execute(status -> {
                Optional<SagaRegistry.OverdueSaga> claimed = registry.claimPastDeadline();
                claimed.ifPresent(saga -> {
                    registry.deadlinePassed(saga.sagaId());
                    act(saga);
                });
                return claimed.orElse(null);
            }));
        } catch (RuntimeException e) {
            // Marked anyway, in a transaction of its own, so that a saga that cannot be judged does not
            // hold up the others; the pastDeadline filter and the gauge still list it.
            log.warn("Could not act on a saga past its saga deadline: {}", e.toString());
            try {
                transactions.execute(status -> {
                    registry.claimPastDeadline().ifPresent(saga -> registry.deadlinePassed(saga.sagaId()));
                    return null;
                });
            } catch (RuntimeException again) {
                stepDeadlines.holdOff();
            }
            return false;
        }
        judged.ifPresent(saga -> meters.counter("sagaflow.sagas.deadline-passed", "process", saga.processKey())
                .increment());
        return judged.isPresent();
    }

    private void act(SagaRegistry.OverdueSaga saga) {
        String reason = "the saga deadline passed at " + saga.deadlineAt();
        if (saga.action() == SagaModel.OnSagaDeadline.INCIDENT) {
            // An incident belongs to an execution in an activity: the one the saga waits in. Not
            // simply the first active activity: a branch that reached a parallel join waits there
            // in an inactive execution, which the query by activity does not return, and the
            // process instance itself is in no activity (the engine refuses the incident).
            RuntimeService engine = runtime.getObject();
            String executionId = engine.getActiveActivityIds(saga.sagaId()).stream()
                    .flatMap(activityId -> engine.createExecutionQuery().processInstanceId(saga.sagaId())
                            .activityId(activityId).list().stream())
                    .findFirst()
                    .map(org.camunda.bpm.engine.runtime.Execution::getId).orElse(saga.sagaId());
            engine.createIncident(SagaLifecycle.SAGA_DEADLINE_INCIDENT, executionId, saga.sagaId(),
                    reason + ": compensate it (Abort saga in its Saga messages tab) or let it run (resolve this incident)");
            log.warn("Saga {} of {}: {}, incident raised", saga.sagaId(), saga.processKey(), reason);
            return;
        }
        try {
            sagas.getObject().compensatePastDeadline(saga.sagaId(), reason);
            log.warn("Saga {} of {}: {}, compensating", saga.sagaId(), saga.processKey(), reason);
        } catch (ConflictException compensatingOrEnded) {
            log.info("Saga {} of {}: {}; it is compensating already", saga.sagaId(), saga.processKey(), reason);
        }
    }
}
