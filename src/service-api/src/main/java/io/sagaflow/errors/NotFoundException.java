package io.sagaflow.errors;

import java.util.Map;

/** The thing named (a saga, a message, a saga type) does not exist, or is not visible to the caller. */
public final class NotFoundException extends DomainException {

    public NotFoundException(String detail) {
        super(null, detail, Map.of());
    }

    @Override
    public String kind() {
        return "not found";
    }
}
