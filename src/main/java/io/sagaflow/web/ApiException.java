package io.sagaflow.web;

import java.util.Map;

import org.springframework.http.HttpStatus;

/**
 * A request the API refuses for a reason the caller can fix; rendered as
 * {@code application/problem+json} with the status, the detail and (if known) the offending field.
 */
public class ApiException extends RuntimeException {

    private final HttpStatus status;
    private final String field;
    private final Map<String, Object> properties;

    public ApiException(HttpStatus status, String detail) {
        this(status, null, detail);
    }

    public ApiException(HttpStatus status, String field, String detail) {
        this(status, field, detail, Map.of());
    }

    /** @param properties extra members of the problem, e.g. the id of the saga a conflict is about */
    public ApiException(HttpStatus status, String detail, Map<String, Object> properties) {
        this(status, null, detail, properties);
    }

    private ApiException(HttpStatus status, String field, String detail, Map<String, Object> properties) {
        super(detail);
        this.status = status;
        this.field = field;
        this.properties = Map.copyOf(properties);
    }

    public static ApiException notFound(String detail) {
        return new ApiException(HttpStatus.NOT_FOUND, detail);
    }

    public static ApiException invalidField(String field, String detail) {
        return new ApiException(HttpStatus.BAD_REQUEST, field, detail);
    }

    public static ApiException conflict(String detail) {
        return new ApiException(HttpStatus.CONFLICT, detail);
    }

    public HttpStatus status() {
        return status;
    }

    public String field() {
        return field;
    }

    public Map<String, Object> properties() {
        return properties;
    }
}
