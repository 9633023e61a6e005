/**
 * The domain's refusals, for every caller alike (REST, AMQP consumers, Cockpit):
 * {@link io.sagaflow.errors.NotFoundException}, {@link io.sagaflow.errors.ConflictException},
 * {@link io.sagaflow.errors.InvalidInputException}, {@link io.sagaflow.errors.TooLargeException},
 * {@link io.sagaflow.errors.UnavailableException}. They know no HTTP: {@code web.ApiProblems} maps
 * them to problem+json in one place, and the AMQP consumers park or retry by their type. The package
 * depends on nothing of the project (ArchitectureTests).
 */
package io.sagaflow.errors;
