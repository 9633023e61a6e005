/**
 * The message contract of Sagaflow, the one place both sides of the wire share: exchange and queue
 * names ({@link io.sagaflow.contract.Topology}), the {@code sagaflow-*} headers
 * ({@link io.sagaflow.contract.SagaHeaders}), step operations and reply bodies, and the
 * half-message protocol ({@link io.sagaflow.contract.TxMessageProtocol}). {@code docs/asyncapi.yaml}
 * specifies the same for participants and producers in any language.
 *
 * <p>Names and values only: it depends on nothing else of the project, nor on Spring, the AMQP
 * client or Camunda ({@code ArchitectureTests}), so the orchestrator, the participant kit and a
 * producer can all depend on it.
 */
package io.sagaflow.contract;
