/**
 * Admission of new sagas: past the load it can finish, the service refuses new starts at its front
 * door (503 with {@code Retry-After}; AMQP starts wait in their queue) instead of accepting work it
 * cannot finish in time, and starts never take what the reply consumers need. See
 * {@link io.sagaflow.admission.Admission}.
 */
package io.sagaflow.admission;
