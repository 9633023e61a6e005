package io.sagaflow.saga;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.errors.InvalidInputException;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.delegate.VariableScope;
import org.camunda.bpm.engine.variable.VariableMap;
import org.camunda.bpm.engine.variable.Variables;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * A saga's input (what its start was given) as one document in its registry row, instead of one
 * Camunda variable per field.
 *
 * <p>As variables, an order saga's six inputs cost twelve writes (inserted at the start, deleted at
 * the end) and twelve rows on the database every saga shares, for values that never change
 * (docs/performance.md). The registry row is written by the start anyway; the input becomes one more
 * column of it. The start hands the input to the engine as a single transient value (never stored
 * by Camunda); {@link SagaLifecycle} stores it with the registry row and keeps it here. Everything
 * that read inputs as variables reads them here: a variable of that name, if the saga has one (set by
 * a result, or by an operator to correct a saga), comes first; then the input. Expressions
 * ({@code ${amount > 1000}}, {@code ${sagaJson.list(passengers)}}) through {@link ElResolver}, payload
 * mappings and command context through {@link #variable}.
 *
 * <p>Inputs never change, so each instance keeps the most recent sagas' inputs in memory and reads a
 * saga's row once otherwise (a reply handled by another instance, after a restart).
 *
 * <p>Scripts and decision tables read variables directly: a deployment that uses them on inputs sets
 * {@code sagaflow.saga.input-as-variables: true} (docs/modelling.md).
 */
@Component
public class SagaInputs {

    /** The transient variable a start hands the input in; Camunda never writes it. */
    static final String TRANSIENT_VARIABLE = "sagaflow.input";

    private static final int REMEMBERED_SAGAS = 4096;
    private static final TypeReference<LinkedHashMap<String, Object>> DOCUMENT = new TypeReference<>() {
    };

    private final JdbcTemplate jdbc;
    private final ObjectMapper objectMapper;
    private final boolean asVariables;
    private final Map<String, Map<String, Object>> recent = Collections.synchronizedMap(new LeastRecentlyUsed());

    SagaInputs(JdbcTemplate jdbc, ObjectMapper objectMapper, SagaProperties properties) {
        this.jdbc = jdbc;
        this.objectMapper = objectMapper;
        this.asVariables = properties.inputAsVariables();
    }

    /**
     * What a process is started with: the input as one transient value, plus {@code variables} that
     * must be real ones (a sub-saga's parent); with {@code input-as-variables}, all of it as variables.
     */
    Map<String, Object> startVariables(Map<String, Object> input, Map<String, Object> variables) {
        if (asVariables) {
            Map<String, Object> all = new LinkedHashMap<>(input);
            all.putAll(variables);
            return all;
        }
        VariableMap start = Variables.fromMap(variables);
        start.putValueTyped(TRANSIENT_VARIABLE, Variables.objectValue(new LinkedHashMap<>(input), true).create());
        return start;
    }

    /** The input a start handed over in its transient value, or {@code null} (a start through engine-rest). */
    @SuppressWarnings("unchecked")
    static Map<String, Object> handedOver(DelegateExecution processInstance) {
        return processInstance.getVariableLocal(TRANSIENT_VARIABLE) instanceof Map<?, ?> input
                ? (Map<String, Object>) input : null;
    }

    /** The input as stored in the registry row. */
    String json(Map<String, Object> input) {
        try {
            return objectMapper.writeValueAsString(input);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("input", "cannot be stored: " + e.getOriginalMessage());
        }
    }

    /** Keeps a starting saga's input at hand (its transaction reads it before the row is committed). */
    void remember(String sagaId, Map<String, Object> input) {
        recent.put(sagaId, Map.copyOf(withoutNulls(input)));
    }

    /**
     * The saga's variable {@code name} as the scope sees it: the variable if there is one, else the
     * saga's input field of that name, else {@code null}.
     */
    Object variable(VariableScope scope, String name) {
        if (scope.hasVariable(name)) {
            return scope.getVariable(name);
        }
        String sagaId = sagaIdOf(scope);
        return sagaId == null ? null : of(sagaId).get(name);
    }

    /** A saga's input ({@code null} fields left out); empty for a process started without one. */
    Map<String, Object> of(String sagaId) {
        Map<String, Object> input = recent.get(sagaId);
        if (input != null) {
            return input;
        }
        List<String> stored = jdbc.queryForList("SELECT input FROM sagaflow.saga WHERE saga_id = ?", String.class,
                sagaId);
        input = stored.isEmpty() || stored.get(0) == null ? Map.of() : Map.copyOf(withoutNulls(parse(stored.get(0))));
        recent.put(sagaId, input);
        return input;
    }

    /** Forgets every remembered input, as a restarted instance would (tests read the rows this way). */
    void forgetAll() {
        recent.clear();
    }

    private Map<String, Object> parse(String json) {
        try {
            return objectMapper.readValue(json, DOCUMENT);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the stored input of a saga is not a JSON object", e);
        }
    }

    // A null field is the same as no field (as with a variable): Map.copyOf refuses nulls.
    private static Map<String, Object> withoutNulls(Map<String, Object> input) {
        Map<String, Object> present = new LinkedHashMap<>();
        input.forEach((name, value) -> {
            if (value != null) {
                present.put(name, value);
            }
        });
        return present;
    }

    private static String sagaIdOf(Object scope) {
        if (scope instanceof DelegateExecution execution) {
            return execution.getProcessInstanceId();
        }
        if (scope instanceof DelegateTask task) {
            return task.getProcessInstanceId();
        }
        return null;
    }

    /** The inputs of the sagas read most recently; the least recently read one goes first. */
    private static final class LeastRecentlyUsed extends LinkedHashMap<String, Map<String, Object>> {

        LeastRecentlyUsed() {
            super(256, 0.75f, true);
        }

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, Object>> eldest) {
            return size() > REMEMBERED_SAGAS;
        }
    }

    /**
     * Resolves an expression's identifier to the saga's input when the scope has no variable of
     * that name; placed before the bean resolvers, so an input shadows a bean as a variable does.
     */
    static final class ElResolver extends org.camunda.bpm.impl.juel.jakarta.el.ELResolver {

        /** Names Camunda's own resolver gives the execution, task, etc.: never an input. */
        private static final List<String> ENGINE_NAMES = List.of("execution", "task", "externalTask",
                "caseExecution", "authenticatedUserId");

        private final java.util.function.Supplier<SagaInputs> inputs;

        ElResolver(java.util.function.Supplier<SagaInputs> inputs) {
            this.inputs = inputs;
        }

        @Override
        public Object getValue(org.camunda.bpm.impl.juel.jakarta.el.ELContext context, Object base, Object property) {
            if (base != null || !(property instanceof String name) || ENGINE_NAMES.contains(name)) {
                return null;
            }
            Object scope = context.getContext(VariableScope.class);
            String sagaId = sagaIdOf(scope);
            if (sagaId == null || ((VariableScope) scope).hasVariable(name)) {
                return null;
            }
            Map<String, Object> input = inputs.get().of(sagaId);
            if (!input.containsKey(name)) {
                return null;
            }
            context.setPropertyResolved(true);
            return input.get(name);
        }

        @Override
        public Class<?> getType(org.camunda.bpm.impl.juel.jakarta.el.ELContext context, Object base, Object property) {
            return null;
        }

        @Override
        public void setValue(org.camunda.bpm.impl.juel.jakarta.el.ELContext context, Object base, Object property,
                             Object value) {
            // Inputs are read-only; an assignment goes to the variable resolvers.
        }

        @Override
        public boolean isReadOnly(org.camunda.bpm.impl.juel.jakarta.el.ELContext context, Object base, Object property) {
            return false;
        }

        @Override
        public java.util.Iterator<java.beans.FeatureDescriptor> getFeatureDescriptors(
                org.camunda.bpm.impl.juel.jakarta.el.ELContext context, Object base) {
            return null;
        }

        @Override
        public Class<?> getCommonPropertyType(org.camunda.bpm.impl.juel.jakarta.el.ELContext context, Object base) {
            return base == null ? String.class : null;
        }
    }
}
