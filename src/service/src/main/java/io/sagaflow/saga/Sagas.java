package io.sagaflow.saga;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.Operation;
import io.sagaflow.database.DuplicateKeys;
import io.sagaflow.errors.ConflictException;
import io.sagaflow.errors.InvalidInputException;
import io.sagaflow.errors.NotFoundException;
import io.sagaflow.errors.UnavailableException;
import io.sagaflow.roles.RolesProperties;
import io.sagaflow.start.SagaStatus;
import io.sagaflow.start.StartedSaga;
import io.sagaflow.tracing.SagaTracing;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.history.HistoricProcessInstance;
import org.camunda.bpm.engine.repository.ProcessDefinition;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.springframework.stereotype.Service;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/** Starts sagas from API input and reports their state. Any deployed process is a saga type. */
@Service
public class Sagas {

    /** Activity types of BPMN compensation throws: passing one means the saga compensated. */
    private static final List<String> COMPENSATION_THROW_TYPES =
            List.of("intermediateCompensationThrowEvent", "compensationEndEvent");

    /** Starts that lost a race to a start that then rolled back try again, this many times in all. */
    private static final int MAX_START_ATTEMPTS = 5;

    /** Camunda keeps a string variable in a 4000-character column. */
    static final int MAX_TEXT_VARIABLE_LENGTH = 4000;

    private final RepositoryService repository;
    private final RuntimeService runtime;
    private final HistoryService history;
    private final SagaSteps steps;
    private final WaitingSteps waitingSteps;
    private final ObjectMapper objectMapper;
    private final SagaRegistry registry;
    private final SagaTracing tracing;
    private final SubSagas subSagas;
    private final SagaInputs inputs;
    /** NESTED: its own transaction, or a savepoint in the caller's. */
    private final TransactionTemplate startTransaction;
    private final Map<String, String> businessKeyVariableByDefinition = new ConcurrentHashMap<>();
    private final List<SagaProperties.CommandContextVariable> commandContext;
    /** A start runs the saga's first step in its transaction: only an orchestrator instance starts sagas. */
    private final boolean orchestrator;

    Sagas(RepositoryService repository, RuntimeService runtime, HistoryService history, SagaSteps steps,
          WaitingSteps waitingSteps, ObjectMapper objectMapper,
          SagaRegistry registry, PlatformTransactionManager transactionManager, SagaTracing tracing,
          SagaProperties properties, RolesProperties roles,
          SubSagas subSagas, SagaInputs inputs) {
        this.subSagas = subSagas;
        this.inputs = inputs;
        this.commandContext = properties.commandContext();
        this.orchestrator = roles.isOrchestrator();
        this.tracing = tracing;
        this.repository = repository;
        this.runtime = runtime;
        this.history = history;
        this.steps = steps;
        this.waitingSteps = waitingSteps;
        this.objectMapper = objectMapper;
        this.registry = registry;
        this.startTransaction = new TransactionTemplate(transactionManager);
        this.startTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_NESTED);
    }

    /**
     * The answer to a start request.
     *
     * @param created {@code true} if this call started the saga; {@code false} if a saga with the
     *     same process key, business key and input existed already, which is then the answer
     */
    public record StartResult(StartedSaga saga, boolean created) {
    }

    /**
     * Starts the latest version of {@code processKey}, at most once per business key. The business
     * key is the value of the process's business-key variable (see
     * {@link SagaModel#BUSINESS_KEY_VARIABLE_PROPERTY}) if the model names one, else the input's
     * {@code businessKey}, else a generated id.
     *
     * <p>The database decides: the start registers the saga under (process key, business key) with a
     * unique constraint, in the start's transaction ({@link SagaRegistry}). A caller that loses the
     * race, or comes again later, gets that saga back if its input is the same, and a 409 naming it if
     * not. Joins the caller's transaction through a savepoint, so a refused start leaves the caller's
     * other work (an inbox row, say) intact. Refused (503) on an instance without the orchestrator
     * role: a start runs the saga's first step.
     */
    public StartResult start(String processKey, Map<String, Object> input) {
        if (!orchestrator) {
            throw new UnavailableException("this instance runs no orchestrator "
                    + "(sagaflow.roles.orchestrator.enabled=false) and starts no saga: start it on an orchestrator "
                    + "instance");
        }
        ProcessDefinition definition = repository.createProcessDefinitionQuery()
                .processDefinitionKey(processKey).latestVersion().singleResult();
        if (definition == null) {
            throw new NotFoundException("no saga type '" + processKey + "' is deployed");
        }
        Map<String, Object> variables = toVariables(input);
        requireValidCommandContext(input);
        String keyVariable = businessKeyVariable(definition);
        Object suppliedKey = keyVariable != null ? variables.get(keyVariable) : variables.get("businessKey");
        String businessKey = suppliedKey != null ? suppliedKey.toString() : UUID.randomUUID().toString();
        if (keyVariable != null) {
            variables.put(keyVariable, businessKey);
        }
        requireStartVariables(definition, variables);
        for (int attempt = 1; ; attempt++) {
            try {
                // The saga's trace: a child of the request or message that starts it.
                String sagaId = tracing.inSpan("saga start " + processKey, Map.of("saga.process_key", processKey,
                        "saga.business_key", businessKey), null, () -> startTransaction.execute(status -> {
                    ProcessInstance instance = runtime.startProcessInstanceById(definition.getId(), businessKey,
                            inputs.startVariables(variables, Map.of()));
                    return instance.getId();
                }));
                return new StartResult(new StartedSaga(sagaId, businessKey, SagaStatus.RUNNING), true);
            } catch (RuntimeException e) {
                if (!DuplicateKeys.isCause(e)) {
                    throw e;
                }
            }
            // A saga with this key exists and has committed (PostgreSQL lets the losing insert wait
            // for the winner's commit), or the other start rolled back and the key is free again.
            Optional<SagaRegistry.SagaRecord> existing = registry.find(processKey, businessKey);
            if (existing.isPresent()) {
                return sameStart(existing.get(), InputFingerprint.of(variables));
            }
            if (attempt == MAX_START_ATTEMPTS) {
                throw new ConflictException("another start of " + processKey + " with business key '"
                        + businessKey + "' is in progress; retry the request");
            }
            LockSupport.parkNanos(Duration.ofMillis(10L << attempt).toNanos());
        }
    }

    private static StartResult sameStart(SagaRegistry.SagaRecord existing, String fingerprint) {
        if (!existing.inputHash().equals(fingerprint)) {
            throw new ConflictException("saga " + existing.sagaId() + " (" + existing.processKey()
                    + ", business key '" + existing.businessKey() + "') was started with other input; a business key "
                    + "starts one saga", Map.of("sagaId", existing.sagaId()));
        }
        return new StartResult(new StartedSaga(existing.sagaId(), existing.businessKey(), existing.status()), false);
    }

    /** Sagas matching the query, from the registry; one more than the page size if a next page exists. */
    List<SagaRegistry.SagaRecord> search(SagaQuery query) {
        return registry.search(query);
    }

    List<SagasOnVersion> runningByVersion(String processKey, String startedBy) {
        return SagasOnVersion.withLatest(registry.runningByVersion(processKey, startedBy), repository);
    }

    /**
     * The saga as {@code visibleTo} may see it: {@code null} for anyone, else only a saga that caller
     * started (another's is "not found", so its existence is not revealed).
     */
    @Transactional(readOnly = true)
    SagaView find(String sagaId, String visibleTo) {
        if (visibleTo != null && registry.find(sagaId).filter(saga -> visibleTo.equals(saga.startedBy())).isEmpty()) {
            throw new NotFoundException("no saga with id '" + sagaId + "'");
        }
        return find(sagaId);
    }

    @Transactional(readOnly = true)
    SagaView find(String sagaId) {
        HistoricProcessInstance instance = history.createHistoricProcessInstanceQuery()
                .processInstanceId(sagaId).singleResult();
        Optional<SagaRegistry.SagaRecord> registered = registry.find(sagaId);
        List<SagaSteps.SentCommand> answered = steps.answered(sagaId);
        if (instance == null) {
            // Camunda's history of a saga goes its time to live after the start (removal-time
            // strategy "start"), even while the saga waits in an incident; the registry still has it.
            SagaRegistry.SagaRecord saga = registered.orElseThrow(
                    () -> new NotFoundException("no saga with id '" + sagaId + "'"));
            return new SagaView(sagaId, saga.processKey(), saga.businessKey(), saga.status(),
                    succeededSteps(answered, Operation.ACTION), succeededSteps(answered, Operation.COMPENSATION),
                    saga.traceId(), subSagas.parentOf(sagaId).orElse(null), subSagas.childrenOf(sagaId), saga.reason(),
                    saga.reasonStep(), saga.definitionId(), saga.definitionVersion());
        }
        return new SagaView(sagaId, instance.getProcessDefinitionKey(), instance.getBusinessKey(),
                statusOf(instance, registered), succeededSteps(answered, Operation.ACTION),
                succeededSteps(answered, Operation.COMPENSATION),
                registered.map(SagaRegistry.SagaRecord::traceId).orElse(null),
                subSagas.parentOf(sagaId).orElse(null), subSagas.childrenOf(sagaId),
                registered.map(SagaRegistry.SagaRecord::reason).orElse(null),
                registered.map(SagaRegistry.SagaRecord::reasonStep).orElse(null),
                // The registry's, once a migration moved the saga; Camunda's for sagas from before it recorded one.
                registered.map(SagaRegistry.SagaRecord::definitionId).orElse(instance.getProcessDefinitionId()),
                registered.map(SagaRegistry.SagaRecord::definitionVersion)
                        .orElse(instance.getProcessDefinitionVersion()));
    }

    /**
     * Starts {@code processKey} as the sub-saga of a parent's call activity, in the caller's transaction
     * (the sub-saga consumer's; a savepoint, so a refused start leaves it usable): with the parent's
     * business key, and the parent's id as the variable {@value SagaModel#PARENT_SAGA_VARIABLE}. Not
     * subject to admission: it is part of a saga already admitted.
     *
     * @return the sub-saga's id
     */
    String startSubSaga(String processKey, String businessKey, Map<String, Object> input, String parentSagaId) {
        ProcessDefinition definition = repository.createProcessDefinitionQuery()
                .processDefinitionKey(processKey).latestVersion().singleResult();
        if (definition == null) {
            throw new NotFoundException("no saga type '" + processKey + "' is deployed");
        }
        Map<String, Object> variables = toVariables(input);
        String keyVariable = businessKeyVariable(definition);
        if (keyVariable != null) {
            variables.putIfAbsent(keyVariable, businessKey);
        }
        // The parent's id stays a variable: the sub-saga's end reads it in a later transaction.
        Map<String, Object> parent = Map.of(SagaModel.PARENT_SAGA_VARIABLE, parentSagaId);
        try {
            return startTransaction.execute(status -> runtime.startProcessInstanceById(definition.getId(), businessKey,
                    inputs.startVariables(variables, parent)).getId());
        } catch (RuntimeException e) {
            if (DuplicateKeys.isCause(e)) {
                throw new ConflictException("a saga of " + processKey + " with business key '" + businessKey
                        + "' exists already: a parent can start one sub-saga of a kind per business key");
            }
            throw e;
        }
    }

    /** Aborts a running sub-saga because its parent compensates; one already compensating is left alone. */
    void abortSubSaga(String sagaId, String reason) {
        try {
            abort(sagaId, reason);
        } catch (ConflictException alreadyCompensatingOrEnded) {
            // its end answers the parent
        }
    }

    /**
     * Makes a running saga compensate what it has completed. A step waiting for its reply (or in an
     * incident) is stopped like a step past its deadline: its outcome is unknown, so its compensation
     * is sent too; a step not yet sent rejects when it starts.
     */
    @Transactional
    public void abort(String sagaId, String reason) {
        abort(sagaId, reason, false);
    }

    /** The same as an operator's abort, for the saga deadline: its reason says so, not "aborted by an operator". */
    @Transactional
    void compensatePastDeadline(String sagaId, String reason) {
        abort(sagaId, reason, true);
    }

    private void abort(String sagaId, String reason, boolean sagaDeadline) {
        // The step rows before the engine's, in the order a reply takes them. A reply the lock waited
        // for may have moved the saga on and sent the next step's command, whose reply would race the
        // abort in turn: lock again until no open step is new (each statement sees what committed).
        List<String> locked = steps.lockOpen(sagaId);
        for (List<String> again = steps.lockOpen(sagaId); !again.equals(locked); again = steps.lockOpen(sagaId)) {
            locked = again;
        }
        if (runtime.createProcessInstanceQuery().processInstanceId(sagaId).count() == 0) {
            if (history.createHistoricProcessInstanceQuery().processInstanceId(sagaId).count() == 0) {
                throw new NotFoundException("no saga with id '" + sagaId + "'");
            }
            throw new ConflictException("saga " + sagaId + " has already ended");
        }
        if (steps.anyCompensation(sagaId) || runtime.getVariable(sagaId, SagaModel.ABORT_REASON_VARIABLE) != null) {
            throw new ConflictException("saga " + sagaId + " is already compensating");
        }
        runtime.setVariable(sagaId, SagaModel.ABORT_REASON_VARIABLE, reason);
        if (sagaDeadline) {
            runtime.setVariable(sagaId, SagaModel.SAGA_DEADLINE_PASSED_VARIABLE, true);
        }
        String rejection = sagaDeadline ? reason : "aborted by an operator: " + reason;
        Set<String> stoppedExecutions = new HashSet<>();
        for (SagaSteps.SentCommand sent : steps.open(sagaId)) {
            StepCommand command = sent.command();
            if (command.op() != Operation.ACTION || !stoppedExecutions.add(command.executionId())) {
                continue;
            }
            if (sent.status() == StepStatus.WAITING || sent.status() == StepStatus.OVERDUE) {
                waitingSteps.stop(sent, StepStatus.CANCELLED, rejection);
            } else if (sent.status() == StepStatus.UNDELIVERED) {
                waitingSteps.rejectUndelivered(command, rejection); // no participant got it: nothing to undo
            } else {
                waitingSteps.rejectWaitingExecution(command, rejection); // a step in an incident, if still there
            }
        }
    }

    private SagaStatus statusOf(HistoricProcessInstance instance, Optional<SagaRegistry.SagaRecord> registered) {
        String sagaId = instance.getId();
        if (HistoricProcessInstance.STATE_COMPLETED.equals(instance.getState()) && registered.isPresent()
                && registered.get().status() != SagaStatus.RUNNING) {
            return registered.get().status(); // recorded with the end, from the model (SagaLifecycle)
        }
        return switch (instance.getState()) {
            case HistoricProcessInstance.STATE_ACTIVE, HistoricProcessInstance.STATE_SUSPENDED ->
                    runtime.createIncidentQuery().processInstanceId(sagaId).count() > 0
                            ? SagaStatus.FAILED : SagaStatus.RUNNING;
            case HistoricProcessInstance.STATE_COMPLETED -> passedCompensationThrow(sagaId)
                    ? SagaStatus.COMPENSATED : SagaStatus.COMPLETED;
            default -> SagaStatus.FAILED;
        };
    }

    private boolean passedCompensationThrow(String sagaId) {
        return COMPENSATION_THROW_TYPES.stream().anyMatch(type -> history.createHistoricActivityInstanceQuery()
                .processInstanceId(sagaId).activityType(type).count() > 0);
    }

    private static List<String> succeededSteps(List<SagaSteps.SentCommand> answered, Operation op) {
        return answered.stream()
                .filter(sent -> sent.command().op() == op && sent.status() == StepStatus.SUCCEEDED)
                .map(sent -> sent.command().step())
                .toList();
    }

    private String businessKeyVariable(ProcessDefinition definition) {
        String variable = businessKeyVariableByDefinition.computeIfAbsent(definition.getId(), id -> {
            String declared = processProperty(definition, SagaModel.BUSINESS_KEY_VARIABLE_PROPERTY);
            return declared == null ? "" : declared;
        });
        return variable.isEmpty() ? null : variable;
    }

    /**
     * A saga that declares its start variables ({@link SagaModel#START_VARIABLES_PROPERTY}) is not
     * started without the required ones: 400 naming each, instead of a participant refusing a
     * command with a field missing after the saga started.
     */
    private void requireStartVariables(ProcessDefinition definition, Map<String, Object> variables) {
        StartVariables declared = startVariablesByDefinition.computeIfAbsent(definition.getId(),
                id -> Optional.ofNullable(StartVariables.of(processProperty(definition, SagaModel.START_VARIABLES_PROPERTY))))
                .orElse(null);
        if (declared == null) {
            return;
        }
        List<String> missing = declared.required().stream().filter(name -> variables.get(name) == null).toList();
        if (!missing.isEmpty()) {
            throw new InvalidInputException(missing, "is required to start " + definition.getKey(),
                    "a start of " + definition.getKey() + " must carry " + String.join(", ", missing)
                    + " (the saga's " + SagaModel.START_VARIABLES_PROPERTY + ": " + String.join(",", declared.all())
                    + ")");
        }
    }

    private final Map<String, Optional<StartVariables>> startVariablesByDefinition = new ConcurrentHashMap<>();

    private String processProperty(ProcessDefinition definition, String name) {
        return SagaModel.processProperty(repository.getBpmnModelInstance(definition.getId())
                .getModelElementById(definition.getKey()), name);
    }

    /**
     * JSON scalars become typed process variables; arrays and objects are kept as JSON text, so
     * commands carry them unchanged and no Java serialization is involved.
     */
    Map<String, Object> toVariables(Map<String, Object> input) {
        Map<String, Object> variables = new LinkedHashMap<>();
        input.forEach((name, value) -> {
            if (name == null || name.isBlank()) {
                throw new InvalidInputException(String.valueOf(name), "variable names must not be blank");
            }
            Object variable = value instanceof Map<?, ?> || value instanceof List<?> ? toJson(name, value) : value;
            if (variable instanceof String text && text.length() > MAX_TEXT_VARIABLE_LENGTH) {
                throw new InvalidInputException(name, "is " + text.length() + " characters long; a saga variable "
                        + "holds at most " + MAX_TEXT_VARIABLE_LENGTH + " (pass an id, not a document)");
            }
            variables.put(name, variable);
        });
        return variables;
    }

    /**
     * A command-context variable with an entry pattern must be a list of texts that each match it:
     * a start with another value is refused before anything is written.
     */
    private void requireValidCommandContext(Map<String, Object> input) {
        for (SagaProperties.CommandContextVariable context : commandContext) {
            Object value = input.get(context.variable());
            if (value == null || context.entryPattern() == null || context.entryPattern().isBlank()) {
                continue;
            }
            if (!(value instanceof List<?> entries) || entries.stream().anyMatch(entry -> !(entry instanceof String))) {
                throw new InvalidInputException(context.variable(), "must be a list of texts matching "
                        + context.entryPattern());
            }
            for (Object entry : entries) {
                if (!((String) entry).matches(context.entryPattern())) {
                    throw new InvalidInputException(context.variable(), "entry \"" + entry + "\" does not match "
                            + context.entryPattern());
                }
            }
        }
    }

    private String toJson(String name, Object value) {
        try {
            return objectMapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(name, "cannot be stored: " + e.getOriginalMessage());
        }
    }
}
