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
 * @param compensationCommand for a forward step with a compensation handler: the handler's command,
 *     sent by Sagaflow itself if the step's outcome becomes unknown (deadline, abort); else {@code null}
 * @param compensationPayload the handler's payload, computed when the step is sent
 * @param parallelCompensation the process opted out of reverse-order compensation
 */
record StepCommand(String sagaId, String businessKey, String processKey, String executionId, String activityId,
                   String step, Operation op, String command, String payload, Duration deadline,
                   String compensationCommand, String compensationPayload, boolean parallelCompensation) {
}
