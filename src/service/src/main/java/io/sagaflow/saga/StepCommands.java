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

    /**
     * The instance of a multi-instance step that a compensation handler about to run undoes: Camunda
     * starts one handler per ended instance but keeps no instance variables for it, so each handler
     * takes the latest-ended instance whose compensation has not been sent yet (reverse order).
     *
     * @return the instance's step name ({@code Task_BookSeat#2}), or {@code null} if none is left
     */
    String compensatedInstance(String sagaId, String forwardActivityId);

    /**
     * The step name the forward command of {@code forwardActivityId} carried, the key of the
     * participant's barrier; it differs from the activity id once a migration renamed the step.
     *
     * @return {@code null} if the step never sent a command (or nothing records it)
     */
    default String forwardStepName(String sagaId, String forwardActivityId) {
        return null;
    }

    /**
     * How often the forward command of {@code activityId} was sent from this execution, and when first
     * (a retry policy counts its attempts and its budget from them).
     */
    default Attempts attempts(String executionId, String activityId) {
        return new Attempts(1, java.time.Instant.now());
    }

    /** @param count commands sent so far; @param firstSentAt when the first of them was sent */
    record Attempts(int count, java.time.Instant firstSentAt) {
    }

    /** Now, as the service's clock tells it (settable in tests). */
    default java.time.Instant now() {
        return java.time.Instant.now();
    }
}
