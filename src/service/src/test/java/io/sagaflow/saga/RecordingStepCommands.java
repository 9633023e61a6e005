package io.sagaflow.saga;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@link StepCommands} port of the process tests: instead of a saga_step row and an outbox
 * message, every command is recorded with the id it was given. A test finds the command an activity
 * is waiting on ({@link #waitingAt(String)}), answers it by signalling its execution and marks it
 * {@link #answered(String) answered}, exactly as the reply correlator does with a participant's reply.
 */
final class RecordingStepCommands implements StepCommands {

    /** A command as the port received it, with the command id it returned. */
    record Sent(String commandId, StepCommand command) {
    }

    private final AtomicInteger sequence = new AtomicInteger();
    private final List<Sent> sent = new CopyOnWriteArrayList<>();
    private final Set<String> answered = ConcurrentHashMap.newKeySet();
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();

    @Override
    public String send(StepCommand command) {
        String commandId = "command-" + sequence.incrementAndGet();
        sent.add(new Sent(commandId, command));
        return commandId;
    }

    @Override
    public boolean cancelWaiting(String executionId, String activityId, String reason) {
        for (Sent s : sent) {
            if (s.command().executionId().equals(executionId) && s.command().activityId().equals(activityId)
                    && !answered.contains(s.commandId())) {
                answered.add(s.commandId());
                cancelled.add(s.commandId());
                ended.add(s);
                return true;
            }
        }
        return false;
    }

    @Override
    public String compensatedInstance(String sagaId, String forwardActivityId) {
        List<String> compensated = sent.stream().filter(s -> s.command().op() == io.sagaflow.contract.Operation.COMPENSATION)
                .map(s -> s.command().step()).toList();
        for (int i = ended.size() - 1; i >= 0; i--) {
            StepCommand command = ended.get(i).command();
            if (command.sagaId().equals(sagaId) && command.activityId().equals(forwardActivityId)
                    && !compensated.contains(command.step())) {
                return command.step();
            }
        }
        return null;
    }

    /** The actions that succeeded or were cancelled, in the order they ended: what a compensation may undo. */
    private final List<Sent> ended = new CopyOnWriteArrayList<>();

    /** Marks the command answered with this outcome: a reply to it was delivered. */
    void answered(String commandId, io.sagaflow.contract.Outcome outcome) {
        answered(commandId);
        if (outcome == io.sagaflow.contract.Outcome.SUCCESS) {
            sent.stream().filter(s -> s.commandId().equals(commandId)).forEach(ended::add);
        }
    }

    /** The commands whose activity the engine cancelled while they waited. */
    List<Sent> cancelled() {
        return sent.stream().filter(s -> cancelled.contains(s.commandId())).toList();
    }

    /** Every command sent, in order. */
    List<Sent> sent() {
        return List.copyOf(sent);
    }

    /** Every command sent, in order, without ids. */
    List<StepCommand> commands() {
        return sent.stream().map(Sent::command).toList();
    }

    /** The command names ({@code inventory.reserve}, ...) in the order they were sent. */
    List<String> commandNames() {
        return sent.stream().map(s -> s.command().command()).toList();
    }

    /** Every command the activity sent, answered or not. */
    List<Sent> sentBy(String activityId) {
        return sent.stream().filter(s -> s.command().activityId().equals(activityId)).toList();
    }

    /**
     * The one unanswered command of the activity.
     *
     * @throws AssertionError if the activity sent no unanswered command, or more than one
     */
    Sent waitingAt(String activityId) {
        List<Sent> waiting = new ArrayList<>();
        for (Sent s : sent) {
            if (s.command().activityId().equals(activityId) && !answered.contains(s.commandId())) {
                waiting.add(s);
            }
        }
        if (waiting.size() != 1) {
            throw new AssertionError("expected exactly one unanswered command of " + activityId + " but found "
                    + waiting + "; all sent: " + sent);
        }
        return waiting.get(0);
    }

    /** Marks the command answered: a reply to it was delivered. */
    void answered(String commandId) {
        if (sent.stream().noneMatch(s -> s.commandId().equals(commandId))) {
            throw new AssertionError("no command " + commandId + " was sent");
        }
        if (!answered.add(commandId)) {
            throw new AssertionError("command " + commandId + " was answered before");
        }
    }
}
