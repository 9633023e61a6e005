package io.sagaflow.errors;

import java.util.Map;

/**
 * The request contradicts the current state: another input for a key that is taken, a decision
 * against a final one, a concurrent request still in progress.
 */
public final class ConflictException extends DomainException {

    public ConflictException(String detail) {
        this(null, detail, Map.of());
    }

    /** @param properties facts about what it conflicts with, e.g. {@code sagaId} */
    public ConflictException(String detail, Map<String, Object> properties) {
        this(null, detail, properties);
    }

    /** @param field the input whose value is taken, e.g. {@code id} */
    public static ConflictException onField(String field, String detail) {
        return new ConflictException(field, detail, Map.of());
    }

    private ConflictException(String field, String detail, Map<String, Object> properties) {
        super(field, detail, properties);
    }

    @Override
    public String kind() {
        return "conflict";
    }
}
