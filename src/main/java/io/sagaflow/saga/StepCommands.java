package io.sagaflow.saga;

/**
 * Where a step's command goes. In the service: the saga step log and the outbox, in the engine's
 * transaction ({@link OutboxStepCommands}); in process tests: a recorder.
 */
interface StepCommands {

    /** Records and enqueues the command; the reply will be correlated by the returned command id. */
    String send(StepCommand command);
}
