package io.sagaflow.errors;

import java.util.Map;

/**
 * A request the domain refuses for a reason the caller can fix (or wait out). The detail is the
 * message; {@link #field()} names the offending input where one applies, {@link #properties()} are
 * extra facts a client may act on (e.g. the {@code sagaId} a conflict is about).
 */
public abstract sealed class DomainException extends RuntimeException
        permits NotFoundException, ConflictException, InvalidInputException, UnavailableException,
        OverloadedException {

    private final String field;
    private final Map<String, Object> properties;

    DomainException(String field, String detail, Map<String, Object> properties) {
        super(detail);
        this.field = field;
        this.properties = Map.copyOf(properties);
    }

    /** The input the refusal is about (a field, a header, a variable), or {@code null}. */
    public String field() {
        return field;
    }

    public Map<String, Object> properties() {
        return properties;
    }

    /** The kind of refusal in a word or two ("conflict", "not found"), for logs and parked messages. */
    public abstract String kind();
}
