package io.sagaflow.errors;

/** An input over a size limit (e.g. a half message's payload); {@link #field()} names it. */
public final class TooLargeException extends InvalidInputException {

    public TooLargeException(String field, String detail) {
        super(field, detail);
    }

    @Override
    public String kind() {
        return "too large";
    }
}
