package io.sagaflow.saga;

import java.util.ArrayList;
import java.util.List;

import org.camunda.bpm.engine.impl.bpmn.behavior.ServiceTaskDelegateExpressionActivityBehavior;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.migration.instance.MigratingActivityInstance;
import org.camunda.bpm.engine.impl.migration.validation.activity.MigrationActivityValidator;
import org.camunda.bpm.engine.impl.migration.validation.activity.SupportedActivityValidator;
import org.camunda.bpm.engine.impl.migration.validation.instance.MigratingActivityInstanceValidator;
import org.camunda.bpm.engine.impl.migration.validation.instance.SupportedActivityInstanceValidator;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;

/**
 * Lets Camunda's migration move a saga step that waits for its reply. Camunda migrates activity
 * instances only of the types it knows to be wait states (user task, receive task, ...); a service
 * task is not among them because Camunda's own service tasks never wait. A {@code ${sagaStep}} task
 * does: it is a wait state like a receive task (its execution waits to be signalled), so it is added
 * to the supported types, both for generating a plan ({@code mapEqualActivities}) and for validating
 * a saga's activity instances. Whether moving a particular saga is safe is {@link SagaMigrations}'
 * question.
 */
final class SagaStepMigration {

    private SagaStepMigration() {
    }

    /** After the engine's configuration is initialised: swap the two "supported type" checks. */
    static void allowSagaSteps(ProcessEngineConfigurationImpl configuration) {
        List<MigrationActivityValidator> activityValidators = new ArrayList<>();
        if (configuration.getCustomPreMigrationActivityValidators() != null) {
            activityValidators.addAll(configuration.getCustomPreMigrationActivityValidators());
        }
        for (MigrationActivityValidator validator : configuration.getDefaultMigrationActivityValidators()) {
            activityValidators.add(validator instanceof SupportedActivityValidator ? SagaStepsToo.INSTANCE : validator);
        }
        if (configuration.getCustomPostMigrationActivityValidators() != null) {
            activityValidators.addAll(configuration.getCustomPostMigrationActivityValidators());
        }
        configuration.getMigrationInstructionGenerator().migrationActivityValidators(activityValidators);
        configuration.getMigratingActivityInstanceValidators().replaceAll(validator ->
                validator instanceof SupportedActivityInstanceValidator ? SagaStepInstancesToo.INSTANCE : validator);
    }

    static boolean isWaitingSagaStep(ActivityImpl activity) {
        return activity.getActivityBehavior() instanceof ServiceTaskDelegateExpressionActivityBehavior
                && SagaStepInputs.isSagaStep(activity) && !activity.isCompensationHandler();
    }

    /** Camunda's supported activity types, and saga steps. */
    private static final class SagaStepsToo implements MigrationActivityValidator {
        static final SagaStepsToo INSTANCE = new SagaStepsToo();

        @Override
        public boolean valid(ActivityImpl activity) {
            return isWaitingSagaStep(activity) || SupportedActivityValidator.INSTANCE.valid(activity);
        }
    }

    /** Camunda's check of an activity instance's type, passing saga steps. */
    private static final class SagaStepInstancesToo implements MigratingActivityInstanceValidator {
        static final SagaStepInstancesToo INSTANCE = new SagaStepInstancesToo();
        private final SupportedActivityInstanceValidator camundas = new SupportedActivityInstanceValidator();

        @Override
        public void validate(MigratingActivityInstance instance,
                             org.camunda.bpm.engine.impl.migration.instance.MigratingProcessInstance process,
                             org.camunda.bpm.engine.impl.migration.validation.instance.MigratingActivityInstanceValidationReportImpl report) {
            if (instance.getSourceScope() instanceof ActivityImpl activity && isWaitingSagaStep(activity)) {
                return;
            }
            camundas.validate(instance, process, report);
        }
    }
}
