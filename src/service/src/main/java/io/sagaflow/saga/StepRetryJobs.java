package io.sagaflow.saga;

import java.util.function.Supplier;

import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.jobexecutor.JobHandler;
import org.camunda.bpm.engine.impl.jobexecutor.JobHandlerConfiguration;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.JobEntity;
import org.camunda.bpm.engine.impl.persistence.entity.MessageEntity;
import org.camunda.bpm.engine.impl.pvm.delegate.ActivityExecution;
import org.camunda.bpm.engine.impl.interceptor.CommandContext;

/**
 * Turns a step failure that needs an operator into a Camunda failed-job incident on the step: a job
 * with no retries left, whose message is the participant's error text. Cockpit shows it like any
 * incident; its Retry (setting retries) runs the job, which sends the step's command again while
 * the execution still waits in the activity. Nothing retries on its own: no hot loop.
 */
final class StepRetryJobs implements JobHandler<StepRetryJobs.NoConfiguration> {

    static final String TYPE = "sagaflow-step-resend";

    /** Looked up when a job runs: the behaviour bean depends on beans created after the engine. */
    private final Supplier<SagaStepBehavior> behavior;

    StepRetryJobs(Supplier<SagaStepBehavior> behavior) {
        this.behavior = behavior;
    }

    /** Raises the incident; call inside the engine command that handles the failure. */
    static void raiseIncident(ActivityExecution execution, String reason) {
        MessageEntity job = newJob(execution);
        job.setFailedActivityId(execution.getCurrentActivityId());
        job.setExceptionMessage(reason == null ? "step failed without a reason" : reason);
        Context.getCommandContext().getJobManager().insertJob(job);
        job.setRetries(0); // from the default to 0: creates the failed-job incident with the message
    }

    /** A job that sends the step's command again while its execution waits in the activity. */
    private static MessageEntity newJob(ActivityExecution execution) {
        ExecutionEntity waiting = (ExecutionEntity) execution;
        MessageEntity job = new MessageEntity();
        job.setJobHandlerType(TYPE);
        job.setExecution(waiting);
        // Cockpit lists incidents per process definition: the job has to name it.
        job.setProcessDefinitionId(waiting.getProcessDefinitionId());
        job.setProcessDefinitionKey(waiting.getProcessDefinition().getKey());
        job.setDeploymentId(waiting.getProcessDefinition().getDeploymentId());
        job.setActivityId(execution.getCurrentActivityId());
        job.setExclusive(true);
        return job;
    }

    /**
     * Schedules the step's command to be sent again at {@code dueAt} (a retry policy's next attempt):
     * the same job, with retries left and a due date, so no incident; the job executor of any
     * instance runs it then, while the execution still waits in the activity.
     */
    static void scheduleRetry(ActivityExecution execution, java.time.Instant dueAt) {
        MessageEntity job = newJob(execution);
        job.setDuedate(java.util.Date.from(dueAt));
        Context.getCommandContext().getJobManager().insertJob(job);
    }

    @Override
    public String getType() {
        return TYPE;
    }

    @Override
    public void execute(NoConfiguration configuration, ExecutionEntity execution, CommandContext commandContext,
                        String tenantId) {
        behavior.get().retry(execution);
    }

    @Override
    public NoConfiguration newConfiguration(String canonicalString) {
        return new NoConfiguration();
    }

    @Override
    public void onDelete(NoConfiguration configuration, JobEntity jobEntity) {
        // nothing to clean up
    }

    static final class NoConfiguration implements JobHandlerConfiguration {
        @Override
        public String toCanonicalString() {
            return "";
        }
    }
}
