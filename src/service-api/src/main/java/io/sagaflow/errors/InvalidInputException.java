package io.sagaflow.errors;

import java.util.List;
import java.util.Map;

/** An input value the domain does not accept; {@link #field()} names it. */
public sealed class InvalidInputException extends DomainException permits TooLargeException {

    public InvalidInputException(String field, String detail) {
        super(field, detail, Map.of());
    }

    /** Several inputs refused for one reason: each is an entry of the problem's {@code errors}. */
    public InvalidInputException(List<String> fields, String message, String detail) {
        super(fields.get(0), detail, Map.of("errors", fields.stream()
                .map(field -> Map.of("field", field, "message", message)).toList()));
    }

    @Override
    public String kind() {
        return "invalid";
    }
}
