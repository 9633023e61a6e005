package io.sagaflow.web;

import org.springframework.http.HttpStatus;

/**
 * A refusal only HTTP knows, not the domain: a header used wrongly ({@code Idempotency-Key} with
 * another request), a permission checked by a resource outside Spring MVC. Rendered by
 * {@link ApiProblems} like the domain's refusals ({@code io.sagaflow.errors}), which are what every
 * other refusal uses.
 */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String field;

    public ApiException(HttpStatus status, String detail) {
        this(status, null, detail);
    }

    public ApiException(HttpStatus status, String field, String detail) {
        super(detail);
        this.status = status;
        this.field = field;
    }

    public HttpStatus status() {
        return status;
    }

    public String field() {
        return field;
    }
}
