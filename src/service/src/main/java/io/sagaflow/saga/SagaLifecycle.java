package io.sagaflow.saga;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import io.sagaflow.start.SagaStatus;
import org.camunda.bpm.engine.BadUserRequestException;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.incident.IncidentContext;
import org.camunda.bpm.engine.impl.incident.IncidentHandler;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.camunda.bpm.engine.impl.pvm.process.ProcessDefinitionImpl;
import org.camunda.bpm.engine.impl.pvm.process.ScopeImpl;
import org.camunda.bpm.engine.impl.util.xml.Element;
import org.camunda.bpm.engine.runtime.Incident;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The engine's own moments of a saga, fed to the {@link SagaRegistry}: the process instance's start
 * and end (built-in listeners, so they run for every start path, engine-rest included, and even
 * when an operator deletes an instance skipping custom listeners), and incidents on its jobs.
 * Registered with the engine by {@link SagaEnginePlugin}.
 */
final class SagaLifecycle {

    /**
     * Steps that say a saga undid its work (a compensation was sent, or a step was refused or
     * stopped), and the steps that started sub-sagas: one read at the saga's end.
     */
    private static final String UNDONE_STEPS = """
            SELECT op, status, reason, activity_id, command FROM sagaflow.saga_step
            WHERE saga_id = ? AND (op = 'COMPENSATION' OR status IN ('REJECTED', 'TIMED_OUT', 'CANCELLED')
                OR command = '%s')
            ORDER BY sent_at
            """.formatted(SagaModel.SUB_SAGA_START_COMMAND);

    /**
     * A process definition's property: its model compensates the whole saga somewhere (a compensation
     * throw without {@code activityRef} at the process's level). Then only passing one makes the
     * saga COMPENSATED: a step refused inside a subprocess that a boundary event catches, undoes and
     * goes on from ("try hotel A, else hotel B") leaves a saga that completes.
     */
    private static final String COMPENSATES_THE_SAGA = "sagaflow.compensatesTheSaga";
    /** Definition property: the {@link SagaRegistry.SagaDeadline} its model sets, if any. */
    private static final String SAGA_DEADLINE = "sagaflow.sagaDeadline";

    /** A {@code camunda:property} of the process element, or {@code null}. */
    private static String propertyOf(Element process, String name) {
        Element extensions = process.element("extensionElements");
        Element properties = extensions == null ? null : extensions.element("properties");
        if (properties == null) {
            return null;
        }
        return properties.elements("property").stream().filter(property -> name.equals(property.attribute("name")))
                .map(property -> property.attribute("value")).findFirst().orElse(null);
    }

    private final Supplier<SagaRegistry> registry;
    private final Supplier<JdbcTemplate> jdbc;
    private final Supplier<SubSagas> subSagas;

    SagaLifecycle(Supplier<SagaRegistry> registry, Supplier<JdbcTemplate> jdbc, Supplier<SubSagas> subSagas) {
        this.registry = registry;
        this.jdbc = jdbc;
        this.subSagas = subSagas;
    }

    AbstractBpmnParseListener parseListener() {
        return new AbstractBpmnParseListener() {
            @Override
            public void parseProcess(Element process, ProcessDefinitionEntity definition) {
                // Read once per deployed definition, not at every start. A wrong value is the saga
                // rules' to refuse, with their message (SagaShapeRules, rule saga-deadline).
                try {
                    java.time.Duration after = SagaModel.sagaDeadline(propertyOf(process, SagaModel.SAGA_DEADLINE_PROPERTY));
                    if (after != null) {
                        definition.setProperty(SAGA_DEADLINE, new SagaRegistry.SagaDeadline(after,
                                SagaModel.OnSagaDeadline.of(propertyOf(process, SagaModel.ON_SAGA_DEADLINE_PROPERTY))));
                    }
                } catch (IllegalArgumentException refusedByTheRules) {
                    // left to SagaShapeRules
                }
                definition.addBuiltInListener(ExecutionListener.EVENTNAME_START, (ExecutionListener) this::started);
                definition.addBuiltInListener(ExecutionListener.EVENTNAME_END, (ExecutionListener) this::ended);
            }

            @Override
            public void parseIntermediateThrowEvent(Element event, ScopeImpl scope, ActivityImpl activity) {
                markSagaCompensation(event, scope, activity);
            }

            @Override
            public void parseEndEvent(Element event, ScopeImpl scope, ActivityImpl activity) {
                markSagaCompensation(event, scope, activity);
            }

            private void started(DelegateExecution execution) {
                if (!((ExecutionEntity) execution).isProcessInstanceExecution()) {
                    return;
                }
                try {
                    // A start through Sagaflow hands the input over as one value; one through
                    // engine-rest (Cockpit, Tasklist) sets variables, which are then its input.
                    Map<String, Object> input = SagaInputs.handedOver(execution);
                    registry.get().started(execution.getProcessInstanceId(),
                            ((ExecutionEntity) execution).getProcessDefinition(), execution.getProcessBusinessKey(),
                            input != null ? input : execution.getVariables(), input, sagaDeadline(execution));
                } catch (DuplicateKeyException e) {
                    // A message an operator using engine-rest can act on, instead of the SQL error.
                    throw new BadUserRequestException("a saga of " + processKey(execution) + " with business key '"
                            + execution.getProcessBusinessKey() + "' exists: a business key starts one saga", e);
                }
            }

            /** The definition's saga deadline, read when it was deployed, or {@code null}. */
            private SagaRegistry.SagaDeadline sagaDeadline(DelegateExecution execution) {
                return (SagaRegistry.SagaDeadline) ((ExecutionEntity) execution).getProcessDefinition()
                        .getProperty(SAGA_DEADLINE);
            }

            private void ended(DelegateExecution execution) {
                if (((ExecutionEntity) execution).isProcessInstanceExecution()) {
                    SagaLifecycle.this.ended((ExecutionEntity) execution);
                }
            }
        };
    }

    /**
     * A compensation throw that undoes everything the saga did (no {@code activityRef}, in the process
     * or in one of its event subprocesses) records, when the saga passes it, that the saga compensates.
     */
    private static void markSagaCompensation(Element event, ScopeImpl scope, ActivityImpl activity) {
        Element compensation = event.element("compensateEventDefinition");
        if (compensation == null || compensation.attribute("activityRef") != null) {
            return;
        }
        boolean sagaScope = scope instanceof ProcessDefinitionImpl
                || scope instanceof ActivityImpl eventSubprocess && eventSubprocess.isTriggeredByEvent()
                && eventSubprocess.getFlowScope() instanceof ProcessDefinitionImpl;
        if (!sagaScope) {
            return;
        }
        activity.getProcessDefinition().setProperty(COMPENSATES_THE_SAGA, true);
        activity.addBuiltInListener(ExecutionListener.EVENTNAME_START, (ExecutionListener) execution ->
                ((ExecutionEntity) execution).getProcessInstance().setVariable(SagaModel.COMPENSATED_VARIABLE, true));
    }

    /** A sub-handler of Camunda's failed-job incidents (composite incident handlers). */
    IncidentHandler incidentHandler() {
        return new IncidentHandler() {
            @Override
            public String getIncidentHandlerType() {
                return Incident.FAILED_JOB_HANDLER_TYPE;
            }

            @Override
            public Incident handleIncident(IncidentContext context, String message) {
                sagaIdOf(context).forEach(sagaId -> registry.get().failed(sagaId, message, context.getActivityId()));
                return null; // the main handler creates the incident
            }

            @Override
            public void resolveIncident(IncidentContext context) {
                sagaIdOf(context).forEach(sagaId -> registry.get().resumed(sagaId));
            }

            @Override
            public void deleteIncident(IncidentContext context) {
                resolveIncident(context);
            }
        };
    }

    /** Incident type of a saga past its saga deadline with {@code sagaflow.onSagaDeadline=incident}. */
    static final String SAGA_DEADLINE_INCIDENT = "sagaflowSagaDeadline";

    /**
     * The main handler of saga-deadline incidents: Camunda's default (the incident in Cockpit), and
     * the registry's FAILED while it is open, RUNNING again once an operator resolves it.
     */
    IncidentHandler sagaDeadlineIncidentHandler() {
        return new org.camunda.bpm.engine.impl.incident.DefaultIncidentHandler(SAGA_DEADLINE_INCIDENT) {
            @Override
            public Incident handleIncident(IncidentContext context, String message) {
                Incident incident = super.handleIncident(context, message);
                sagaIdOf(context).forEach(sagaId -> registry.get().failed(sagaId, message, null));
                return incident;
            }

            @Override
            public void resolveIncident(IncidentContext context) {
                super.resolveIncident(context);
                sagaIdOf(context).forEach(sagaId -> registry.get().resumed(sagaId));
            }

            @Override
            public void deleteIncident(IncidentContext context) {
                super.deleteIncident(context);
                sagaIdOf(context).forEach(sagaId -> registry.get().resumed(sagaId));
            }
        };
    }

    private void ended(ExecutionEntity instance) {
        String sagaId = instance.getProcessInstanceId();
        if (instance.isCanceled() || instance.isExternallyTerminated()) {
            String reason = "deleted without compensation: "
                    + (instance.getDeleteReason() == null ? "no reason given" : instance.getDeleteReason());
            registry.get().ended(sagaId, SagaStatus.FAILED, reason, null);
            subSagas.get().ended(sagaId, SagaStatus.FAILED, reason); // its variables may be gone already
            return;
        }
        List<UndoneStep> steps = jdbc.get().query(UNDONE_STEPS, (rs, n) -> new UndoneStep(rs.getString("op"),
                rs.getString("status"), rs.getString("reason"), rs.getString("activity_id"),
                rs.getString("command")), sagaId);
        // Only a saga that started sub-sagas has links to them: the others skip that read.
        boolean startedSubSagas = steps.stream().anyMatch(step -> SagaModel.SUB_SAGA_START_COMMAND.equals(step.command()));
        List<UndoneStep> undone = steps.stream().filter(UndoneStep::undone).toList();
        boolean compensated = Boolean.TRUE.equals(instance.getProcessDefinition().getProperty(COMPENSATES_THE_SAGA))
                ? instance.getVariable(SagaModel.COMPENSATED_VARIABLE) != null
                : !undone.isEmpty();
        if (!compensated) {
            ended(instance, SagaStatus.COMPLETED, null, null);
            if (startedSubSagas) {
                subSagas.get().parentCompleted(sagaId);
            }
            return;
        }
        Object abortReason = instance.getVariable(SagaModel.ABORT_REASON_VARIABLE);
        // The first forward step refused, timed out or stopped is why the saga compensated.
        Optional<UndoneStep> cause = undone.stream()
                .filter(step -> "ACTION".equals(step.op()) && step.reason() != null).findFirst();
        String reason = abortReason == null ? cause.map(UndoneStep::reason).orElse(null)
                : instance.getVariable(SagaModel.SAGA_DEADLINE_PASSED_VARIABLE) != null ? String.valueOf(abortReason)
                : "aborted by an operator: " + abortReason;
        ended(instance, SagaStatus.COMPENSATED, reason, cause.map(UndoneStep::activityId).orElse(null));
    }

    /**
     * The registry's end and, for a sub-saga (started with its parent's id as a variable, see
     * Sagas#startSubSaga), the answer its parent waits for.
     */
    private void ended(ExecutionEntity instance, SagaStatus status, String reason, String reasonStep) {
        String sagaId = instance.getProcessInstanceId();
        registry.get().ended(sagaId, status, reason, reasonStep);
        if (instance.getVariable(SagaModel.PARENT_SAGA_VARIABLE) != null) {
            subSagas.get().ended(sagaId, status, reason);
        }
    }

    private record UndoneStep(String op, String status, String reason, String activityId, String command) {

        boolean undone() {
            return "COMPENSATION".equals(op) || List.of("REJECTED", "TIMED_OUT", "CANCELLED").contains(status);
        }
    }

    private static String processKey(DelegateExecution execution) {
        return ((ExecutionEntity) execution).getProcessDefinition().getKey();
    }

    private static List<String> sagaIdOf(IncidentContext context) {
        if (context.getExecutionId() == null) {
            return List.of();
        }
        ExecutionEntity execution = Context.getCommandContext().getExecutionManager()
                .findExecutionById(context.getExecutionId());
        return execution == null ? List.of() : List.of(execution.getProcessInstanceId());
    }
}
