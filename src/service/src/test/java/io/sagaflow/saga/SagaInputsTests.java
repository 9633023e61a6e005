package io.sagaflow.saga;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.camunda.bpm.engine.variable.VariableMap;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** What a start hands the engine, with the input as one document and with {@code input-as-variables}. */
@DisplayName("What a saga is started with")
class SagaInputsTests {

    private static final Map<String, Object> INPUT = Map.of("tripId", "t-1", "nights", 2);
    private static final Map<String, Object> PARENT = Map.of(SagaModel.PARENT_SAGA_VARIABLE, "parent-1");

    @Test
    @DisplayName("by default: the input as one transient value, only the parent's id as a variable")
    void inputAsOneTransientValue() {
        Map<String, Object> start = inputs(false).startVariables(INPUT, PARENT);

        assertThat(start).containsOnlyKeys(SagaInputs.TRANSIENT_VARIABLE, SagaModel.PARENT_SAGA_VARIABLE);
        VariableMap typed = (VariableMap) start;
        assertThat(typed.getValueTyped(SagaInputs.TRANSIENT_VARIABLE).isTransient()).as("never written").isTrue();
        assertThat(typed.getValueTyped(SagaModel.PARENT_SAGA_VARIABLE).isTransient()).isFalse();
        assertThat(start.get(SagaInputs.TRANSIENT_VARIABLE)).isEqualTo(INPUT);
    }

    @Test
    @DisplayName("with sagaflow.saga.input-as-variables: every input field a variable, as before the document")
    void inputAsVariables() {
        Map<String, Object> start = inputs(true).startVariables(INPUT, PARENT);

        assertThat(start).containsOnlyKeys("tripId", "nights", SagaModel.PARENT_SAGA_VARIABLE);
        assertThat(start).containsEntry("nights", 2);
    }

    private static SagaInputs inputs(boolean asVariables) {
        return new SagaInputs(null, new ObjectMapper(), new SagaProperties(Duration.ofMinutes(5), Duration.ofSeconds(1),
                65536, 5, List.of(), List.of(), Duration.ofSeconds(20), 5, false, asVariables));
    }
}
