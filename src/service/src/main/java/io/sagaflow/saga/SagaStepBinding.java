package io.sagaflow.saga;

import java.util.List;
import java.util.function.Supplier;

import org.camunda.bpm.engine.delegate.Expression;
import org.camunda.bpm.engine.delegate.VariableScope;
import org.camunda.bpm.engine.impl.bpmn.behavior.ServiceTaskDelegateExpressionActivityBehavior;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParse;
import org.camunda.bpm.engine.impl.pvm.process.ActivityImpl;
import org.camunda.bpm.engine.impl.pvm.process.ScopeImpl;
import org.camunda.bpm.engine.impl.util.xml.Element;

/**
 * Binds every {@code camunda:delegateExpression="${sagaStep}"} task to the {@code sagaStep} bean at
 * deployment, instead of evaluating the expression on each execute and each reply.
 *
 * <p>Camunda resolves a name in an expression against the process variables before the Spring
 * beans, so each evaluation loaded the step execution's variables and its parent from the database
 * only to find no variable called {@code sagaStep}: about a tenth of the reply consumers' CPU in the
 * benchmark's profile (docs/performance.md). The behaviour around the bean is Camunda's own
 * ({@link ServiceTaskDelegateExpressionActivityBehavior}: error propagation, signal), only its
 * expression is a constant. A process variable named {@code sagaStep} can no longer shadow the step.
 */
final class SagaStepBinding extends AbstractBpmnParseListener {

    private static final String STEP_EXPRESSION = "${" + SagaModel.STEP_BEAN + "}";

    private final Supplier<Object> stepBean;

    /** @param stepBean the bean named {@value SagaModel#STEP_BEAN}, looked up when a step first runs */
    SagaStepBinding(Supplier<Object> stepBean) {
        this.stepBean = stepBean;
    }

    @Override
    public void parseServiceTask(Element serviceTask, ScopeImpl scope, ActivityImpl activity) {
        String delegateExpression = serviceTask.attributeNS(BpmnParse.CAMUNDA_BPMN_EXTENSIONS_NS, "delegateExpression");
        boolean sagaStep = delegateExpression != null && STEP_EXPRESSION.equals(delegateExpression.trim());
        boolean withoutFields = serviceTask.element("extensionElements") == null
                || serviceTask.element("extensionElements").elementsNS(BpmnParse.CAMUNDA_BPMN_EXTENSIONS_NS, "field").isEmpty();
        if (sagaStep && withoutFields && activity.getActivityBehavior() instanceof ServiceTaskDelegateExpressionActivityBehavior) {
            activity.setActivityBehavior(new ServiceTaskDelegateExpressionActivityBehavior(new StepBean(), List.of()));
        }
    }

    /** {@code ${sagaStep}} without the evaluation: always the bean. */
    private final class StepBean implements Expression {

        @Override
        public Object getValue(VariableScope variableScope) {
            return stepBean.get();
        }

        @Override
        public void setValue(Object value, VariableScope variableScope) {
            throw new UnsupportedOperationException(STEP_EXPRESSION + " is not assignable");
        }

        @Override
        public String getExpressionText() {
            return STEP_EXPRESSION;
        }

        @Override
        public boolean isLiteralText() {
            return false;
        }
    }
}
