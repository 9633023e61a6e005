package io.sagaflow.errors;

import java.util.Map;

/** An input value the domain does not accept; {@link #field()} names it. */
public sealed class InvalidInputException extends DomainException permits TooLargeException {

    public InvalidInputException(String field, String detail) {
        super(field, detail, Map.of());
    }

    @Override
    public String kind() {
        return "invalid";
    }
}
