package io.sagaflow.start;

/** A saga as its start request answers: its id (the process instance id), business key and status. */
public record StartedSaga(String sagaId, String businessKey, SagaStatus status) {
}
