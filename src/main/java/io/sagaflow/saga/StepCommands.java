package io.sagaflow.saga;

/**
 * Where a step's command goes. In the service: the saga step log and the outbox, in the engine's
 * transaction ({@link OutboxStepCommands}); in process tests: a recorder.
 */
interface StepCommands {

    /** Records and enqueues the command; the reply will be correlated by the returned command id. */
    String send(StepCommand command);

    /**
     * The engine cancelled the activity of {@code executionId} while its command still waited for a
     * reply: records it CANCELLED, so a late reply is stale.
     *
     * @return {@code false} if nothing waited there (the step was answered, stopped, or never sent)
     */
    boolean cancelWaiting(String executionId, String activityId, String reason);
}
