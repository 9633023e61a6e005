package io.sagaflow.saga;

import java.util.ArrayList;
import java.util.List;

import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParseListener;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.history.HistoryLevel;
import org.camunda.bpm.engine.impl.incident.IncidentHandler;
import org.camunda.bpm.engine.impl.jobexecutor.JobHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.ApplicationContext;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.util.function.SingletonSupplier;

/**
 * Registers with the engine: Sagaflow's job handler (re-send a step after an incident), the parse
 * listener that keeps saga steps' input parameters out of the variables ({@link SagaStepInputs}),
 * the binding of {@code ${sagaStep}} to its bean ({@link SagaStepBinding}), the saga lifecycle hooks
 * that keep the saga registry and its end events ({@link SagaLifecycle}), the history level {@code saga}
 * ({@link SagaHistoryLevel}) and the expression manager that resolves a saga's input fields ({@link SagaInputs}).
 */
@Component
class SagaEnginePlugin extends AbstractProcessEnginePlugin {

    private static final Logger log = LoggerFactory.getLogger(SagaEnginePlugin.class);

    private final ObjectProvider<SagaStepBehavior> behavior;
    private final SagaLifecycle lifecycle;
    private final ObjectProvider<JdbcTemplate> jdbc;
    private final SagaStepBinding stepBinding;
    private final ModellingProperties modelling;
    private final boolean camundaActivityHistory;
    private final ApplicationContext applicationContext;
    private final ObjectProvider<SagaInputs> inputs;
    private final boolean inputAsVariables;

    SagaEnginePlugin(ObjectProvider<SagaStepBehavior> behavior, ObjectProvider<SagaRegistry> registry,
                     ObjectProvider<JdbcTemplate> jdbc, ObjectProvider<SubSagas> subSagas, BeanFactory beans,
                     ModellingProperties modelling, SagaProperties saga, ApplicationContext applicationContext,
                     ObjectProvider<SagaInputs> inputs) {
        this.behavior = behavior;
        this.applicationContext = applicationContext;
        this.inputs = inputs;
        this.inputAsVariables = saga.inputAsVariables();
        this.modelling = modelling;
        this.camundaActivityHistory = saga.camundaActivityHistory();
        // By name, as ${sagaStep} resolved it: the benchmark's naive baseline puts another bean there.
        this.stepBinding = new SagaStepBinding(SingletonSupplier.of(() -> beans.getBean(SagaModel.STEP_BEAN)));
        this.jdbc = jdbc;
        this.lifecycle = new SagaLifecycle(registry::getObject, jdbc::getObject, subSagas::getObject);
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
        parseListeners.add(new InterruptedSteps.ParseListener());
        parseListeners.add(new SagaShapeRules.ParseListener(modelling.ruleSettings()));
        parseListeners.add(stepBinding);
        parseListeners.add(lifecycle.parseListener());
        configuration.setCustomPostBPMNParseListeners(parseListeners);
        // Our failed-job handler runs beside Camunda's, which still creates the incident.
        configuration.setCompositeIncidentHandlersEnabled(true);
        List<IncidentHandler> incidentHandlers = configuration.getCustomIncidentHandlers() == null
                ? new ArrayList<>() : new ArrayList<>(configuration.getCustomIncidentHandlers());
        incidentHandlers.add(lifecycle.incidentHandler());
        incidentHandlers.add(lifecycle.sagaDeadlineIncidentHandler());
        configuration.setCustomIncidentHandlers(incidentHandlers);
        List<HistoryLevel> historyLevels = configuration.getCustomHistoryLevels() == null
                ? new ArrayList<>() : new ArrayList<>(configuration.getCustomHistoryLevels());
        historyLevels.add(new SagaHistoryLevel(camundaActivityHistory));
        configuration.setCustomHistoryLevels(historyLevels);
        if (SagaHistoryLevel.NAME.equals(configuration.getHistory())) {
            recordHistoryLevelChange();
        }
        if (!inputAsVariables) {
            // Expressions read a saga's input fields by name, as they read variables.
            configuration.setExpressionManager(new SagaExpressionManager(applicationContext, configuration.getBeans(),
                    inputs::getObject));
        }
    }

    @Override
    public void postInit(ProcessEngineConfigurationImpl configuration) {
        SagaStepMigration.allowSagaSteps(configuration);
    }

    /**
     * Camunda stores the history level in its database and refuses to start when the configured one
     * differs. A database written by an earlier Sagaflow (history {@code full}) or by a built-in level
     * is moved to {@code saga} here, before the engine checks; the rows already written stay. On a new
     * database the table does not exist yet and the engine records the level itself.
     */
    void recordHistoryLevelChange() {
        try {
            int changed = jdbc.getObject().update("""
                    UPDATE ACT_GE_PROPERTY SET VALUE_ = ?, REV_ = REV_ + 1
                    WHERE NAME_ = 'historyLevel' AND VALUE_ IN ('0', '1', '2', '3')
                    """, String.valueOf(SagaHistoryLevel.ID));
            if (changed > 0) {
                log.warn("Camunda's history level in this database changed to '{}' (id {}). Instances of an "
                        + "earlier build configured with a built-in level will refuse to start on it "
                        + "(docs/operations.md, history level).", SagaHistoryLevel.NAME, SagaHistoryLevel.ID);
            }
        } catch (DataAccessException noEngineTablesYet) {
            log.debug("No Camunda property table yet: {}", noEngineTablesYet.getMessage());
        }
    }
}
