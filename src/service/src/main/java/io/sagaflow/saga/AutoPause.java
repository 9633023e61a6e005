package io.sagaflow.saga;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.audit.Audit;
import io.sagaflow.audit.AuditRecord;
import io.sagaflow.roles.ConditionalOnOrchestratorRole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Counts the technical failures and deadline misses of the participants {@link AutoPauseProperties}
 * lists, in a sliding window, and pauses a participant whose count reaches its threshold: the sagas
 * that wait on it then wait for it to recover instead of failing or compensating one after the
 * other. The pause is placed after the failure's transaction commits, in one of its own, audited
 * (actor {@value #ACTOR}), with the metric {@code sagaflow.participants.auto-paused}, the
 * {@code sagaflow.participant.paused} event and a log line at ERROR; an operator resumes it.
 *
 * <p>While a participant is paused its failures are not counted (they are the last answers to
 * commands sent before the pause); the window starts empty after a pause.
 */
@Component
@ConditionalOnOrchestratorRole
class AutoPause {

    private static final Logger log = LoggerFactory.getLogger(AutoPause.class);
    static final String ACTOR = "sagaflow auto-pause";

    private final AutoPauseProperties properties;
    private final ParticipantPauses pauses;
    private final Audit audit;
    private final MeterRegistry meters;
    private final Clock clock;
    /**
     * Its own transaction: run after another one committed, a plain REQUIRED transaction would still
     * join that finished one.
     */
    private final TransactionTemplate newTransaction;
    /** Per listed command prefix: when its recent failures happened, the oldest first. */
    private final Map<String, Deque<Instant>> failures = new HashMap<>();

    AutoPause(AutoPauseProperties properties, ParticipantPauses pauses, Audit audit, MeterRegistry meters,
              Clock clock, PlatformTransactionManager transactions) {
        this.newTransaction = new TransactionTemplate(transactions);
        this.newTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.properties = properties;
        this.pauses = pauses;
        this.audit = audit;
        this.meters = meters;
        this.clock = clock;
    }

    /** A step's command failed technically or missed its deadline (called in that answer's transaction). */
    void failed(StepCommand command, String what) {
        Optional<AutoPauseProperties.Participant> listed = properties.participants().stream()
                .filter(participant -> command.command().startsWith(participant.commandPrefix()))
                .max(Comparator.comparingInt(participant -> participant.commandPrefix().length()));
        if (listed.isEmpty()) {
            return;
        }
        AutoPauseProperties.Participant participant = listed.get();
        if (pauses.find(participant.commandPrefix()).isPresent()) {
            return;
        }
        int count = record(participant);
        if (count >= participant.failures()) {
            String reason = count + " technical failures or deadline misses within " + participant.window()
                    + " (the last: " + what + ")";
            afterCommit(() -> pause(participant, reason));
        }
    }

    /** @return the failures within the window, this one included; the window is emptied when it trips */
    private synchronized int record(AutoPauseProperties.Participant participant) {
        Instant now = clock.instant();
        Deque<Instant> recent = failures.computeIfAbsent(participant.commandPrefix(), prefix -> new ArrayDeque<>());
        recent.addLast(now);
        Instant windowStart = now.minus(participant.window());
        while (!recent.isEmpty() && recent.peekFirst().isBefore(windowStart)) {
            recent.removeFirst();
        }
        int count = recent.size();
        if (count >= participant.failures()) {
            recent.clear();
        }
        return count;
    }

    private void pause(AutoPauseProperties.Participant participant, String reason) {
        Audit.Actor actor = new Audit.Actor(ACTOR, AuditRecord.ActorKind.CLIENT, "AUTO");
        try {
            ParticipantPauses.Paused paused = newTransaction.execute(status -> audit.perform(actor,
                    new Audit.Request("participant.pause", null, "commands " + participant.commandPrefix() + "*", reason),
                    () -> Audit.Done.of(pauses.pause(participant.commandPrefix(), ACTOR, reason, true))));
            if (paused != null && !paused.alreadyPaused()) {
                meters.counter("sagaflow.participants.auto-paused", "commandPrefix", participant.commandPrefix())
                        .increment();
                log.error("Participant {}* paused automatically: {}. Its sagas wait; resume it once it has recovered "
                        + "(docs/operations.md, \"Pausing a participant\")", participant.commandPrefix(), reason);
            }
        } catch (RuntimeException e) {
            // Another instance paused it at the same moment (the hold's key), or the database is away:
            // the next failure tries again.
            log.warn("Could not pause participant {}* automatically: {}", participant.commandPrefix(), e.toString());
        }
    }

    private static void afterCommit(Runnable action) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            action.run();
            return;
        }
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                action.run();
            }
        });
    }
}
