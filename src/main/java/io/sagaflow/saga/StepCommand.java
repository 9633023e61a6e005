package io.sagaflow.saga;

import io.sagaflow.messaging.Operation;

/**
 * A command a step activity is about to send.
 *
 * @param step the forward step's activity id; a compensation names the step it undoes
 * @param activityId the activity that sends it (the step itself or its compensation handler)
 * @param payload the JSON body
 */
record StepCommand(String sagaId, String businessKey, String processKey, String executionId, String activityId,
                   String step, Operation op, String command, String payload) {
}
