package io.sagaflow.saga;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.impl.bpmn.behavior.MultiInstanceActivityBehavior;
import org.camunda.bpm.engine.impl.bpmn.behavior.ServiceTaskDelegateExpressionActivityBehavior;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParse;
import org.camunda.bpm.engine.impl.core.variable.mapping.InputParameter;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.core.variable.mapping.IoMapping;
import org.camunda.bpm.engine.impl.core.variable.mapping.value.ConstantValueProvider;
import org.camunda.bpm.engine.impl.el.ElValueProvider;
import org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.camunda.bpm.engine.impl.pvm.process.ScopeImpl;
import org.camunda.bpm.engine.impl.pvm.runtime.PvmExecutionImpl;
import org.camunda.bpm.engine.impl.util.xml.Element;

/**
 * The input parameters of a {@code ${sagaStep}} task ({@code command}, {@code payloadVariables},
 * {@code resultVariables}, {@code deadline}), read from the model instead of from local variables.
 *
 * <p>Camunda turns every input parameter into a local variable of the activity: with history
 * {@code full} that is a runtime row, a history row and a history detail row per parameter and
 * step, written and deleted for every saga, for four values that only configure the step. The
 * benchmark's profile showed them among the largest costs of a saga (docs/performance.md). So, at
 * deployment, this parse listener takes the input parameters of saga steps out of the engine's
 * mapping and keeps them on the activity; the behaviour evaluates them when it needs them, with
 * the same value providers, so expressions such as {@code ${deadlineOf(order)}} still work. The
 * BPMN files and the element templates do not change. The activity stays a scope, so executions
 * of running sagas started before an upgrade still fit the model.
 */
public final class SagaStepInputs {

    /** Activity property holding the input parameters taken out of the engine's mapping. */
    static final String INPUTS_PROPERTY = "sagaflow.stepInputs";
    private static final String SAGA_STEP_PROPERTY = "sagaflow.sagaStep";
    private static final String STEP_EXPRESSION = "${" + SagaModel.STEP_BEAN + "}";

    private SagaStepInputs() {
    }

    /**
     * The value of the step's input parameter {@code name}, or {@code null} if the model has none.
     * A step deployed without this listener (its inputs are still local variables) is read from
     * its variables.
     */
    public static Object value(DelegateExecution execution, String name) {
        ActivityImpl activity = ((PvmExecutionImpl) execution).getActivity();
        Object inputs = activity == null ? null : activity.getProperty(INPUTS_PROPERTY);
        if (!(inputs instanceof Map<?, ?> parameters)) {
            return execution.getVariable(name);
        }
        Object parameter = parameters.get(name);
        return parameter == null ? null : ((InputParameter) parameter).getValueProvider().getValue(execution);
    }

    /**
     * The step's input parameter {@code name} as the model states it, without an execution: a
     * constant's value, an expression's source text; {@code null} if the step has none. For comparing
     * two versions of a step (saga migration).
     */
    static String declared(ActivityImpl activity, String name) {
        if (!(activity.getProperty(INPUTS_PROPERTY) instanceof Map<?, ?> parameters)
                || !(parameters.get(name) instanceof InputParameter parameter)) {
            return null;
        }
        if (parameter.getValueProvider() instanceof ConstantValueProvider constant) {
            return String.valueOf(constant.getValue(null));
        }
        if (parameter.getValueProvider() instanceof ElValueProvider expression) {
            return expression.getExpression().getExpressionText();
        }
        return parameter.getValueProvider().toString();
    }

    /** Whether the activity is a saga step or compensation ({@code ${sagaStep}}, or a sub-saga call). */
    static boolean isSagaStep(ActivityImpl activity) {
        return Boolean.TRUE.equals(activity.getProperty(SAGA_STEP_PROPERTY));
    }

    /** Activity property of a call activity: the saga it starts as a sub-saga ({@link SubSagas}). */
    static final String SUB_SAGA_PROPERTY = "sagaflow.subSaga";

    /** Registered with the engine by {@link SagaEnginePlugin}. */
    public static final class ParseListener extends AbstractBpmnParseListener {

        @Override
        public void parseServiceTask(Element serviceTask, ScopeImpl scope, ActivityImpl activity) {
            String delegateExpression = serviceTask.attributeNS(BpmnParse.CAMUNDA_BPMN_EXTENSIONS_NS,
                    "delegateExpression");
            if (delegateExpression != null && STEP_EXPRESSION.equals(delegateExpression.trim())) {
                activity.setProperty(SAGA_STEP_PROPERTY, Boolean.TRUE);
            }
        }

        /**
         * A call activity is a step of its saga whose participant is the orchestrator: it runs the
         * called saga as a sub-saga ({@link SubSagas}) with the step's inputs (payloadVariables,
         * deadline), instead of Camunda's call, whose called process could not be compensated once ended.
         */
        @Override
        public void parseCallActivity(Element callActivity, ScopeImpl scope, ActivityImpl activity) {
            String calledSaga = callActivity.attribute("calledElement");
            if (calledSaga == null || calledSaga.isBlank()) {
                return;
            }
            activity.setProperty(SAGA_STEP_PROPERTY, Boolean.TRUE);
            activity.setProperty(SUB_SAGA_PROPERTY, calledSaga.trim());
            activity.setActivityBehavior(new ServiceTaskDelegateExpressionActivityBehavior(
                    Context.getProcessEngineConfiguration().getExpressionManager().createExpression(STEP_EXPRESSION),
                    List.of()));
        }

        /** The saga's own ends: a sub-saga waits there for its parent ({@link SubSagaEnd}). */
        @Override
        public void parseEndEvent(Element endEvent, ScopeImpl scope, ActivityImpl activity) {
            boolean noneEndEvent = endEvent.elements().stream().noneMatch(child -> child.getTagName().endsWith("EventDefinition"));
            if (noneEndEvent && scope instanceof ProcessDefinitionEntity) {
                activity.setActivityBehavior(new SubSagaEnd(activity.getActivityBehavior()));
            }
        }

        /** Runs once the whole process is parsed, so every step's input/output mapping exists. */
        @Override
        public void parseProcess(Element process, ProcessDefinitionEntity definition) {
            takeInputsOfSagaSteps(definition);
        }

        private static void takeInputsOfSagaSteps(ScopeImpl scope) {
            for (ActivityImpl activity : scope.getActivities()) {
                IoMapping mapping = activity.getIoMapping();
                if (Boolean.TRUE.equals(activity.getProperty(SAGA_STEP_PROPERTY)) && mapping != null) {
                    Map<String, InputParameter> inputs = new LinkedHashMap<>();
                    mapping.getInputParameters().forEach(parameter -> inputs.put(parameter.getName(), parameter));
                    activity.setProperty(INPUTS_PROPERTY, inputs);
                    // Output parameters (if a modeller added any) stay with the engine.
                    mapping.setInputParameters(new ArrayList<>());
                }
                readCollectionThroughExpression(activity);
                takeInputsOfSagaSteps(activity);
            }
        }

        /**
         * {@code camunda:collection="passengers"} names a variable, which the engine reads directly; as
         * {@code ${passengers}} it is read the same way, and from the saga's input when the saga
         * keeps it there ({@link SagaInputs}).
         */
        private static void readCollectionThroughExpression(ActivityImpl activity) {
            if (activity.getActivityBehavior() instanceof MultiInstanceActivityBehavior multiInstance
                    && multiInstance.getCollectionVariable() != null && multiInstance.getCollectionExpression() == null
                    && javax.lang.model.SourceVersion.isIdentifier(multiInstance.getCollectionVariable())) {
                multiInstance.setCollectionExpression(Context.getProcessEngineConfiguration().getExpressionManager()
                        .createExpression("${" + multiInstance.getCollectionVariable() + "}"));
                multiInstance.setCollectionVariable(null);
            }
        }
    }
}
