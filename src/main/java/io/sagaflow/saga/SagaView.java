package io.sagaflow.saga;

import java.util.List;

/**
 * A saga as the API shows it.
 *
 * @param completedSteps ids of the forward steps that succeeded, in completion order
 * @param compensatedSteps ids of the forward steps whose compensation succeeded, in that order
 */
public record SagaView(String sagaId, String processKey, String businessKey, SagaStatus status,
                       List<String> completedSteps, List<String> compensatedSteps) {
}
