package io.sagaflow.saga;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sagaflow.contract.Operation;
import io.sagaflow.contract.Outcome;
import io.sagaflow.contract.ReplyBody;
import io.sagaflow.contract.Topology;
import io.sagaflow.messaging.InboundMessage;
import io.sagaflow.messaging.PoisonMessageException;
import io.sagaflow.messaging.TransactionalConsumer;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Matches a participant's reply to the waiting step that sent the command (by the command id in
 * {@code correlation_id}) and signals that execution, in the consumer's transaction.
 * A reply for a command that no longer waits (answered before, re-sent, aborted) is recorded as
 * stale and ignored: it can never complete a later wait.
 */
@Component
class ReplyCorrelator implements TransactionalConsumer.Handler {

    private static final Logger log = LoggerFactory.getLogger(ReplyCorrelator.class);

    private final SagaSteps steps;
    private final OutboxStepCommands commands;
    private final WaitingSteps waitingSteps;
    private final ObjectMapper objectMapper;
    private final MeterRegistry meters;
    private final Clock clock;
    private final org.springframework.beans.factory.ObjectProvider<AutoPause> autoPause;

    ReplyCorrelator(SagaSteps steps, OutboxStepCommands commands, WaitingSteps waitingSteps,
                    ObjectMapper objectMapper, MeterRegistry meters, Clock clock,
                    org.springframework.beans.factory.ObjectProvider<AutoPause> autoPause) {
        this.autoPause = autoPause;
        this.clock = clock;
        this.steps = steps;
        this.commands = commands;
        this.waitingSteps = waitingSteps;
        this.objectMapper = objectMapper;
        this.meters = meters;
    }

    /** Another reply of the same saga changed its executions first (a parallel branch's, at the join). */
    @Override
    public boolean isConflict(RuntimeException failure) {
        for (Throwable cause = failure; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (cause instanceof OptimisticLockingException) {
                return true;
            }
        }
        return false;
    }

    /**
     * A reply answers one step row, locked by its command id ({@link #sentCommand}) and answered only
     * while it waits: a repeated reply finds it answered and is ignored as stale. The step row is the
     * inbox, so replies write no inbox row (one insert per step, docs/performance.md); its
     * {@code replies_received} counts every reply read, the answer and any stale one.
     */
    @Override
    public boolean deduplicatesItself() {
        return true;
    }

    @Override
    public void handle(InboundMessage reply) {
        String commandId = reply.correlationId();
        if (commandId == null || commandId.isBlank()) {
            throw new PoisonMessageException("reply without correlation_id");
        }
        if (Topology.DEADLINE_PASSED_TYPE.equals(reply.type())) {
            judgeDeadline(sentCommand(commandId), reply);
            return;
        }
        if (Topology.COMMAND_UNDELIVERABLE_TYPE.equals(reply.type())) {
            failUndelivered(sentCommand(commandId), reasonOf(reply));
            return;
        }
        ReplyBody body = parse(reply);
        Optional<SagaSteps.SentCommand> answered = steps.answerWaiting(commandId, statusOf(body), body.reason());
        SagaSteps.SentCommand sent;
        if (answered.isPresent()) {
            sent = answered.get(); // the usual reply, to a WAITING step: answered in one statement
            if (!waitingSteps.signal(sent.command(), body.outcome().name(), body, () -> true)) {
                steps.takeBackAnswer(commandId);
                ignoreStale(sent, body, StepStatus.WAITING);
                return;
            }
        } else {
            sent = sentCommand(commandId);
            // OVERDUE: its deadline-passed notice is on its way and the reply was queued first.
            // UNDELIVERED: the step waits in its incident, and an operator requeued the command once routable.
            boolean awaited = sent.status() == StepStatus.WAITING || sent.status() == StepStatus.OVERDUE
                    || sent.status() == StepStatus.UNDELIVERED;
            boolean signalled = awaited
                    && waitingSteps.signal(sent.command(), body.outcome().name(), body,
                            () -> steps.recordReply(commandId, statusOf(body), body.reason()));
            if (!signalled) {
                steps.recordStaleReply(commandId);
                ignoreStale(sent, body, sent.status());
                return;
            }
        }
        StepCommand command = sent.command();
        recordLatency(sent, body);
        if (body.outcome() == Outcome.TECHNICAL_FAILURE) {
            autoPause.ifAvailable(counter -> counter.failed(command, "technical failure: " + body.reason()));
        }
        if (command.op() == Operation.COMPENSATION && body.outcome() == Outcome.SUCCESS) {
            commands.releaseQueuedCompensations(command.sagaId());
        }
    }

    private void ignoreStale(SagaSteps.SentCommand sent, ReplyBody body, StepStatus status) {
        StepCommand command = sent.command();
        meters.counter("sagaflow.replies.stale").increment();
        log.info("Ignored stale {} reply to {} of saga {} (step {}, attempt {}, status {})", body.outcome(),
                command.command(), command.sagaId(), command.step(), sent.attempt(), status);
    }

    private SagaSteps.SentCommand sentCommand(String commandId) {
        return steps.lock(commandId)
                .orElseThrow(() -> new PoisonMessageException("no saga step sent command " + commandId));
    }

    /**
     * The deadline-passed message of an OVERDUE step comes out of the queue: no reply was queued
     * before it, so the participant did not answer within the deadline and the step times out. A step
     * answered meanwhile (its reply was queued first) or cancelled keeps its answer.
     */
    private void judgeDeadline(SagaSteps.SentCommand sent, InboundMessage notice) {
        StepCommand command = sent.command();
        if (sent.status() != StepStatus.OVERDUE) {
            meters.counter("sagaflow.deadlines.answered-first").increment();
            log.info("Saga {} step {} ({}) was answered before its deadline was judged: {}", command.sagaId(),
                    command.step(), command.command(), sent.status());
            return;
        }
        if (notice.header(OutboxStepCommands.DEADLINE_ROUND_HEADER) == null) {
            // First round: a reply queued before this message may have gone to another consumer at the
            // same moment and not have locked its step yet. The second round comes a queue trip later,
            // when such a reply holds the step's lock (sentCommand), so it is judged after it.
            commands.sendDeadlinePassed(sent, DeadlineWatcher.timedOutReason(command), true);
            return;
        }
        if (waitingSteps.stop(sent, StepStatus.TIMED_OUT, DeadlineWatcher.timedOutReason(command))) {
            meters.counter("sagaflow.steps.timed-out").increment();
            autoPause.ifAvailable(counter -> counter.failed(command, DeadlineWatcher.timedOutReason(command)));
            log.warn("Saga {} step {} ({}) timed out after {}", command.sagaId(), command.step(), command.command(),
                    command.deadline());
        }
    }

    /**
     * The broker returned the step's command: no participant got it, and none ever will under that
     * name. The step fails now with an incident that names the exchange and routing key (its deadline
     * stops), and since nothing was done, nothing is compensated for it (see Sagas#abort).
     */
    private void failUndelivered(SagaSteps.SentCommand sent, String reason) {
        StepCommand command = sent.command();
        if (sent.status() != StepStatus.WAITING && sent.status() != StepStatus.OVERDUE) {
            log.info("Saga {} step {}: command {} returned again, the step is {} already", command.sagaId(),
                    command.step(), command.command(), sent.status());
            return;
        }
        boolean signalled = waitingSteps.signal(command, Outcome.TECHNICAL_FAILURE.name(),
                ReplyBody.technicalFailure(reason), () -> steps.recordAnswer(sent.commandId(), StepStatus.UNDELIVERED,
                        reason));
        if (signalled) {
            meters.counter("sagaflow.steps.undelivered").increment();
            log.error("Saga {} step {}: command {} was not delivered: {}", command.sagaId(), command.step(),
                    command.command(), reason);
        }
    }

    /** From sending the command to its reply; the deadline was set to send time + deadline. */
    private void recordLatency(SagaSteps.SentCommand sent, ReplyBody body) {
        StepCommand command = sent.command();
        if (sent.deadlineAt() == null || command.deadline() == null) {
            return;
        }
        Duration latency = Duration.between(sent.deadlineAt().minus(command.deadline()), clock.instant());
        Timer.builder("sagaflow.step.latency").description("Time from a step's command to its reply")
                .tags("process", command.processKey() == null ? "unknown" : command.processKey(),
                        "command", command.command(), "outcome", body.outcome().name())
                .publishPercentiles(0.5, 0.95, 0.99)
                .register(meters).record(latency);
    }

    private String reasonOf(InboundMessage notice) {
        return notice.bodyAsJson(objectMapper, "notice body is not JSON").path("reason")
                .asText("the broker returned the command");
    }

    private ReplyBody parse(InboundMessage reply) {
        return reply.bodyAs(objectMapper, ReplyBody.class, "reply body is not a valid reply");
    }

    private static StepStatus statusOf(ReplyBody body) {
        return switch (body.outcome()) {
            case SUCCESS -> StepStatus.SUCCEEDED;
            case BUSINESS_FAILURE -> StepStatus.REJECTED;
            case TECHNICAL_FAILURE -> StepStatus.FAILED;
        };
    }
}
