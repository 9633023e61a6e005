package io.sagaflow.web;

import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonMappingException;
import io.sagaflow.errors.ConflictException;
import io.sagaflow.errors.DomainException;
import io.sagaflow.errors.InvalidInputException;
import io.sagaflow.errors.NotFoundException;
import io.sagaflow.errors.OverloadedException;
import io.sagaflow.errors.TooLargeException;
import io.sagaflow.errors.UnavailableException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every refused request of {@code /api/**} answers RFC 9457 {@code application/problem+json}; a
 * problem about the input names the field in {@code errors[].field}, so clients need not parse
 * the prose.
 *
 * <p>The one place where the domain's refusals ({@code io.sagaflow.errors}) become HTTP: their
 * status is {@link #statusOf(DomainException)}, their title the status's reason phrase, the field
 * goes into {@code errors[]}, and their properties (e.g. {@code sagaId}) become members of the problem.
 */
@RestControllerAdvice(basePackages = "io.sagaflow")
public class ApiProblems extends ResponseEntityExceptionHandler {

    /** The HTTP status of a domain refusal, for every HTTP front (controllers, the Cockpit plugin). */
    public static HttpStatus statusOf(DomainException e) {
        if (e instanceof NotFoundException) {
            return HttpStatus.NOT_FOUND;
        }
        if (e instanceof ConflictException) {
            return HttpStatus.CONFLICT;
        }
        if (e instanceof TooLargeException) {
            return HttpStatus.PAYLOAD_TOO_LARGE;
        }
        if (e instanceof InvalidInputException) {
            return HttpStatus.BAD_REQUEST;
        }
        if (e instanceof UnavailableException || e instanceof OverloadedException) {
            return HttpStatus.SERVICE_UNAVAILABLE;
        }
        throw new IllegalStateException("no HTTP status for " + e.getClass().getName(), e);
    }

    @ExceptionHandler(DomainException.class)
    ResponseEntity<ProblemDetail> handleDomainException(DomainException e) {
        ResponseEntity<ProblemDetail> problem = problem(statusOf(e), e.field(), e.getMessage(), e.properties());
        if (e instanceof OverloadedException overloaded) {
            // RFC 9110: delay-seconds, so a client (or a proxy) knows when to come back.
            return ResponseEntity.status(problem.getStatusCode())
                    .header(HttpHeaders.RETRY_AFTER, Long.toString(overloaded.retryAfter().toSeconds()))
                    .body(problem.getBody());
        }
        return problem;
    }

    @ExceptionHandler(ApiException.class)
    ResponseEntity<ProblemDetail> handleApiException(ApiException e) {
        return problem(e.status(), e.field(), e.getMessage(), Map.of());
    }

    private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String field, String detail,
                                                         Map<String, Object> properties) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        if (field != null) {
            problem.setProperty("errors", List.of(Map.of("field", field, "message", detail)));
        }
        properties.forEach(problem::setProperty);
        return ResponseEntity.status(status).body(problem);
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException e,
                                                                  HttpHeaders headers, HttpStatusCode status,
                                                                  WebRequest request) {
        List<Map<String, String>> errors = e.getBindingResult().getFieldErrors().stream()
                .map(error -> Map.of("field", error.getField(), "message", String.valueOf(error.getDefaultMessage())))
                .toList();
        String detail = errors.stream().map(error -> error.get("field") + ": " + error.get("message"))
                .sorted().reduce((a, b) -> a + "; " + b).orElse("invalid request");
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
        problem.setTitle("Invalid request content");
        problem.setProperty("errors", errors);
        return ResponseEntity.badRequest().body(problem);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException e,
                                                                  HttpHeaders headers, HttpStatusCode status,
                                                                  WebRequest request) {
        ProblemDetail problem = ProblemDetail.forStatus(HttpStatus.BAD_REQUEST);
        problem.setTitle("Malformed request body");
        if (e.getCause() instanceof JsonMappingException mapping && !mapping.getPath().isEmpty()) {
            String field = mapping.getPath().stream()
                    .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                    .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b).orElse("");
            problem.setDetail(field + ": " + mapping.getOriginalMessage());
            problem.setProperty("errors", List.of(Map.of("field", field, "message", mapping.getOriginalMessage())));
        } else {
            problem.setDetail("the body is not valid JSON of the expected shape");
        }
        return ResponseEntity.badRequest().body(problem);
    }
}
