package io.sagaflow.saga;

import java.time.Duration;

import io.sagaflow.contract.Operation;

/**
 * A command a step activity sends, as one value from the step's behaviour to the saga_step and
 * outbox rows and back: built once by {@link SagaStepBehavior}, recorded by
 * {@link OutboxStepCommands} and read back from saga_step inside a {@link SagaSteps.SentCommand}.
 * Its four parts say who sends it, from where, what it asks and on which terms; the accessors below
 * the parts read through to the fields everyone needs.
 *
 * @param saga who: the saga that sends it
 * @param origin where: the waiting execution and its activity
 * @param request what: the operation, the command name and its JSON body
 * @param terms how: deadline and compensation order
 */
record StepCommand(Saga saga, Origin origin, Request request, Terms terms) {

    /**
     * @param id the saga id (the process instance id)
     * @param processKey the process definition key
     */
    record Saga(String id, String businessKey, String processKey) {
    }

    /**
     * @param executionId the execution that waits in the activity for the reply
     * @param activityId the activity that sends it (the step itself or its compensation handler)
     * @param step the forward step's activity id; a compensation names the step it undoes
     */
    record Origin(String executionId, String activityId, String step) {
    }

    /**
     * @param command the command name, the message's type and routing key ({@code inventory.reserve})
     * @param payload the JSON body
     */
    record Request(Operation op, String command, String payload) {
    }

    /**
     * @param deadline how long to wait for the reply; {@code null} for the configured default (a
     *     recorded command always has one)
     * @param compensable a forward step with a compensation handler: its compensation must run before
     *     the compensations of the steps that completed before it
     * @param parallelCompensation the process opted out of reverse-order compensation; decided when
     *     the command is sent (QUEUED or WAITING) and not stored, so {@code false} when read back
     */
    record Terms(Duration deadline, boolean compensable, boolean parallelCompensation) {
    }

    /** The same command with the configured deadline if the step named none. */
    StepCommand withDefaultDeadline(Duration defaultDeadline) {
        return terms.deadline() != null ? this
                : new StepCommand(saga, origin, request,
                        new Terms(defaultDeadline, terms.compensable(), terms.parallelCompensation()));
    }

    String sagaId() {
        return saga.id();
    }

    String businessKey() {
        return saga.businessKey();
    }

    String processKey() {
        return saga.processKey();
    }

    String executionId() {
        return origin.executionId();
    }

    String activityId() {
        return origin.activityId();
    }

    String step() {
        return origin.step();
    }

    Operation op() {
        return request.op();
    }

    String command() {
        return request.command();
    }

    String payload() {
        return request.payload();
    }

    Duration deadline() {
        return terms.deadline();
    }
}
