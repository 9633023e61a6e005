/**
 * The saga start API for front doors outside the orchestrator: {@link io.sagaflow.start.SagaStarter},
 * {@link io.sagaflow.start.StartedSaga}, {@link io.sagaflow.start.SagaStatus}. It depends on nothing
 * of the project; the {@code saga} package implements it. Examples may use this package, never
 * {@code io.sagaflow.saga} (ArchitectureTests).
 */
package io.sagaflow.start;
