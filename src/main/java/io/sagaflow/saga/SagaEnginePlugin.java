package io.sagaflow.saga;

import java.util.ArrayList;
import java.util.List;

import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParseListener;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.incident.IncidentHandler;
import org.camunda.bpm.engine.impl.jobexecutor.JobHandler;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Registers with the engine: Sagaflow's job handler (re-send a step after an incident), the parse
 * listener that keeps saga steps' input parameters out of the variables ({@link SagaStepInputs}), and
 * the saga lifecycle hooks that keep the saga registry and its end events ({@link SagaLifecycle}).
 */
@Component
class SagaEnginePlugin extends AbstractProcessEnginePlugin {

    private final ObjectProvider<SagaStepBehavior> behavior;
    private final SagaLifecycle lifecycle;

    SagaEnginePlugin(ObjectProvider<SagaStepBehavior> behavior, ObjectProvider<SagaRegistry> registry,
                     ObjectProvider<JdbcTemplate> jdbc) {
        this.behavior = behavior;
        this.lifecycle = new SagaLifecycle(registry::getObject, jdbc::getObject);
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
        parseListeners.add(lifecycle.parseListener());
        configuration.setCustomPostBPMNParseListeners(parseListeners);
        // Our failed-job handler runs beside Camunda's, which still creates the incident.
        configuration.setCompositeIncidentHandlersEnabled(true);
        List<IncidentHandler> incidentHandlers = configuration.getCustomIncidentHandlers() == null
                ? new ArrayList<>() : new ArrayList<>(configuration.getCustomIncidentHandlers());
        incidentHandlers.add(lifecycle.incidentHandler());
        configuration.setCustomIncidentHandlers(incidentHandlers);
    }
}
