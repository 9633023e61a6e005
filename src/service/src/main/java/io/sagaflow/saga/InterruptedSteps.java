package io.sagaflow.saga;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.impl.bpmn.helper.CompensationUtil;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParse;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity;
import org.camunda.bpm.engine.impl.pvm.delegate.ActivityExecution;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.camunda.bpm.engine.impl.pvm.process.ScopeImpl;
import org.camunda.bpm.engine.impl.util.xml.Element;

/**
 * What a saga did in a part of its model that is cancelled before it completes must still be undone
 * when the saga compensates. BPMN compensation only knows completed activities, and Camunda forgets
 * the completed activities of a scope that is cancelled. Both happen in shapes every modeller draws:
 * a parallel branch is refused while another branch's command is in flight (the event subprocess
 * that compensates cancels that branch), a step inside an embedded subprocess is refused and the
 * error leaves the subprocess, an interrupting event or an operator cancels a waiting step.
 *
 * <p>So at deployment every saga step, and every scope that can hold one, gets a built-in
 * {@code end} listener that acts only when the engine cancels it:
 * <ul>
 *   <li>a <b>step</b> cancelled while its command waits for a reply: its outcome is unknown, so the
 *       step is recorded CANCELLED and is compensated as if it had completed (a compensation
 *       subscription for its handler, as a deadline does; the participant's barrier makes the
 *       compensation safe whether the action ran, runs later or never arrives);</li>
 *   <li>a <b>scope</b> (embedded subprocess, multi-instance body) cancelled with compensations of
 *       completed steps in it: they are kept exactly as Camunda keeps them for a scope that completes
 *       (an event scope execution under the parent scope, {@link CompensationUtil#createEventScopeExecution}),
 *       so compensating the parent undoes them too.</li>
 * </ul>
 * Built-in listeners run even when an operator cancels skipping custom listeners. Registered by
 * {@link SagaEnginePlugin} (and by the process tests' engine configuration).
 */
public final class InterruptedSteps {

    private static final String STEP_EXPRESSION = "${" + SagaModel.STEP_BEAN + "}";

    private InterruptedSteps() {
    }

    /** A saga step's activity was cancelled: if its command still waits, it is cancelled and compensated. */
    private static final ExecutionListener STEP_CANCELLED = execution -> {
        if (((ExecutionEntity) execution).isCanceled()) {
            stepBehavior(execution).interrupted((ActivityExecution) execution);
        }
    };

    /** A scope was cancelled: the compensations of what completed inside it are kept for its parent. */
    private static final ExecutionListener SCOPE_CANCELLED = execution -> {
        ExecutionEntity scope = (ExecutionEntity) execution;
        if (scope.isCanceled() && scope.getActivity() != null && scope.getActivity().getFlowScope() != null
                && (!scope.getCompensateEventSubscriptions().isEmpty() || !scope.getEventScopeExecutions().isEmpty())) {
            CompensationUtil.createEventScopeExecution(scope);
        }
    };

    /** The {@code sagaStep} bean, resolved as the step's delegate expression is. */
    private static SagaStepBehavior stepBehavior(DelegateExecution execution) {
        return (SagaStepBehavior) Context.getProcessEngineConfiguration().getExpressionManager()
                .createExpression(STEP_EXPRESSION).getValue(execution);
    }

    public static final class ParseListener extends AbstractBpmnParseListener {

        @Override
        public void parseServiceTask(Element serviceTask, ScopeImpl scope, ActivityImpl activity) {
            String delegateExpression = serviceTask.attributeNS(BpmnParse.CAMUNDA_BPMN_EXTENSIONS_NS,
                    "delegateExpression");
            if (delegateExpression != null && STEP_EXPRESSION.equals(delegateExpression.trim())) {
                activity.addBuiltInListener(ExecutionListener.EVENTNAME_END, STEP_CANCELLED);
            }
        }

        /** A call activity is a sub-saga step ({@link SubSagas}): cancelled while its sub-saga runs, it is compensated too. */
        @Override
        public void parseCallActivity(Element callActivity, ScopeImpl scope, ActivityImpl activity) {
            activity.addBuiltInListener(ExecutionListener.EVENTNAME_END, STEP_CANCELLED);
        }

        /** Runs once the whole process is parsed, multi-instance bodies included. */
        @Override
        public void parseProcess(Element process, ProcessDefinitionEntity definition) {
            keepCompensationsOfCancelledScopes(definition);
        }

        private static void keepCompensationsOfCancelledScopes(ScopeImpl scope) {
            for (ActivityImpl activity : scope.getActivities()) {
                if (activity.isScope() && !activity.getActivities().isEmpty() && !activity.isTriggeredByEvent()) {
                    activity.addBuiltInListener(ExecutionListener.EVENTNAME_END, SCOPE_CANCELLED);
                }
                keepCompensationsOfCancelledScopes(activity);
            }
        }
    }
}
