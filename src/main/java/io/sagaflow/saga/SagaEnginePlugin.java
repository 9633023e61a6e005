package io.sagaflow.saga;

import java.util.ArrayList;
import java.util.List;

import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParseListener;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.jobexecutor.JobHandler;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Registers Sagaflow's job handler (re-send a step after an incident) and the parse listener that
 * keeps saga steps' input parameters out of the variables ({@link SagaStepInputs}) with the engine.
 */
@Component
class SagaEnginePlugin extends AbstractProcessEnginePlugin {

    private final ObjectProvider<SagaStepBehavior> behavior;

    SagaEnginePlugin(ObjectProvider<SagaStepBehavior> behavior) {
        this.behavior = behavior;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public void preInit(ProcessEngineConfigurationImpl configuration) {
        List<JobHandler> handlers = configuration.getCustomJobHandlers() == null
                ? new ArrayList<>() : new ArrayList<>(configuration.getCustomJobHandlers());
        handlers.add(new StepRetryJobs(behavior::getObject));
        configuration.setCustomJobHandlers(handlers);
        List<BpmnParseListener> parseListeners = configuration.getCustomPostBPMNParseListeners() == null
                ? new ArrayList<>() : new ArrayList<>(configuration.getCustomPostBPMNParseListeners());
        parseListeners.add(new SagaStepInputs.ParseListener());
        configuration.setCustomPostBPMNParseListeners(parseListeners);
    }
}
