package io.sagaflow.saga;

import java.util.Collection;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;

/**
 * For expressions in a saga's model: a start request's JSON array arrives as a variable holding JSON
 * text (Sagas keeps arrays and objects as text, no Java serialization), and a multi-instance step
 * needs a collection: {@code camunda:collection="${sagaJson.list(passengers)}"}.
 */
@Component(SagaJson.BEAN)
public class SagaJson {

    static final String BEAN = "sagaJson";

    private static final TypeReference<List<Object>> LIST = new TypeReference<>() { };

    private final ObjectMapper objectMapper;

    SagaJson(ObjectMapper objectMapper) {
        this.objectMapper = objectMapper;
    }

    /** The elements of a JSON array text, or of a collection as it is; an empty list for {@code null}. */
    public List<Object> list(Object value) {
        if (value == null) {
            return List.of();
        }
        if (value instanceof Collection<?> collection) {
            return List.copyOf(collection);
        }
        try {
            return objectMapper.readValue(value.toString(), LIST);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON array: " + value, e);
        }
    }
}
