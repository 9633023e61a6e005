package io.sagaflow.saga;

import java.util.ArrayList;
import java.util.List;

import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.impl.bpmn.helper.BpmnExceptionHandler;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.persistence.entity.ExecutionEntity;
import org.camunda.bpm.engine.impl.pvm.delegate.ActivityBehavior;
import org.camunda.bpm.engine.impl.pvm.delegate.ActivityExecution;
import org.camunda.bpm.engine.impl.pvm.delegate.SignallableActivityBehavior;

/**
 * The behaviour of a saga's end events at process level ({@link SagaStepInputs.ParseListener} puts it
 * around the engine's own). A saga that is nobody's sub-saga simply ends. A sub-saga
 * ({@link SubSagas}) waits here instead: when every path of it has arrived, its parent's step is
 * answered SUCCESS, and it stays until the parent's outcome: {@value #COMPLETE} ends it,
 * {@value #COMPENSATE} raises the saga's step-rejected error, so its own compensation runs.
 */
final class SubSagaEnd implements SignallableActivityBehavior {

    static final String COMPLETE = "sagaflow.parentCompleted";
    static final String COMPENSATE = "sagaflow.parentCompensates";

    private final ActivityBehavior end;

    SubSagaEnd(ActivityBehavior end) {
        this.end = end;
    }

    @Override
    public void execute(ActivityExecution execution) throws Exception {
        if (execution.getVariable(SagaModel.PARENT_SAGA_VARIABLE) == null) {
            end.execute(execution);
            return;
        }
        // No leave: this path of the sub-saga is done; the parent decides how it ends.
        if (everyPathArrived(execution)) {
            subSagas(execution).forwardDone(execution.getProcessInstanceId());
        }
    }

    @Override
    public void signal(ActivityExecution execution, String signalName, Object signalData) throws Exception {
        if (COMPENSATE.equals(signalName)) {
            BpmnExceptionHandler.propagateBpmnError(new BpmnError(SagaModel.STEP_REJECTED_ERROR,
                    "its parent saga compensates"), execution);
        } else {
            end.execute(execution);
        }
    }

    /** No other execution of the saga is still at work (waiting for a reply, or at any activity but an end). */
    private static boolean everyPathArrived(ActivityExecution arrived) {
        return executionsOf(((ExecutionEntity) arrived).getProcessInstance()).stream()
                .filter(execution -> !execution.getId().equals(arrived.getId()))
                .filter(ExecutionEntity::isActive)
                .noneMatch(execution -> execution.getActivity() != null
                        && !(execution.getActivity().getActivityBehavior() instanceof SubSagaEnd));
    }

    /** The execution and all below it, as the engine holds them in this command (unflushed ones too). */
    static List<ExecutionEntity> executionsOf(ExecutionEntity root) {
        List<ExecutionEntity> all = new ArrayList<>();
        all.add(root);
        for (ExecutionEntity child : root.getExecutions()) {
            all.addAll(executionsOf(child));
        }
        return all;
    }

    /** The sub-saga's executions waiting at its ends. */
    static List<ExecutionEntity> waitingEnds(ExecutionEntity processInstance) {
        return executionsOf(processInstance).stream()
                .filter(execution -> execution.isActive() && execution.getActivity() != null
                        && execution.getActivity().getActivityBehavior() instanceof SubSagaEnd)
                .toList();
    }

    private static SubSagas subSagas(ActivityExecution execution) {
        return (SubSagas) Context.getProcessEngineConfiguration().getExpressionManager()
                .createExpression("${" + SubSagas.BEAN + "}").getValue(execution);
    }
}
