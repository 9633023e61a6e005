package io.sagaflow.saga;

import java.time.Duration;

import io.sagaflow.messaging.Operation;

/**
 * A command a step activity is about to send.
 *
 * @param step the forward step's activity id; a compensation names the step it undoes
 * @param activityId the activity that sends it (the step itself or its compensation handler)
 * @param payload the JSON body
 * @param deadline how long to wait for the reply; {@code null} for the configured default
 * @param compensable a forward step with a compensation handler: its compensation must run before
 *     the compensations of the steps that completed before it
 * @param parallelCompensation the process opted out of reverse-order compensation
 */
record StepCommand(String sagaId, String businessKey, String processKey, String executionId, String activityId,
                   String step, Operation op, String command, String payload, Duration deadline,
                   boolean compensable, boolean parallelCompensation) {
}
