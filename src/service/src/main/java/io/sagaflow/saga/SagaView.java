package io.sagaflow.saga;

import java.util.List;

import io.sagaflow.start.SagaStatus;

/**
 * A saga as the API shows it.
 *
 * @param completedSteps ids of the forward steps that succeeded, in completion order
 * @param compensatedSteps ids of the forward steps whose compensation succeeded, in that order
 * @param traceId the W3C trace id all of the saga's spans share (absent if it started untraced)
 * @param parentSagaId the saga whose call activity started this one as a sub-saga (absent otherwise)
 * @param subSagas the sagas this one's call activities started, in start order
 * @param reason why the saga compensated or failed: the refusal, deadline, abort or incident (absent otherwise)
 * @param reasonStep the step (activity id) that caused it, where one did
 * @param processDefinitionId the Camunda process definition the saga runs on (its version's)
 * @param processDefinitionVersion that definition's version: a saga finishes on the version it started on
 */
record SagaView(String sagaId, String processKey, String businessKey, SagaStatus status,
                       List<String> completedSteps, List<String> compensatedSteps, String traceId,
                       String parentSagaId, List<String> subSagas, String reason, String reasonStep,
                       String processDefinitionId, Integer processDefinitionVersion) {
}
