package io.sagaflow.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;

import io.sagaflow.errors.ConflictException;
import io.sagaflow.errors.DomainException;
import io.sagaflow.errors.InvalidInputException;
import io.sagaflow.errors.NotFoundException;
import io.sagaflow.errors.TooLargeException;
import io.sagaflow.errors.UnavailableException;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;

class ApiProblemsTests {

    private final ApiProblems problems = new ApiProblems();

    @Test
    @DisplayName("each domain refusal has its status, and its status's reason phrase as the title")
    void statusAndTitleOfEachDomainRefusal() {
        Map<DomainException, HttpStatus> expected = Map.of(
                new NotFoundException("no saga"), HttpStatus.NOT_FOUND,
                new ConflictException("taken"), HttpStatus.CONFLICT,
                new InvalidInputException("limit", "too big"), HttpStatus.BAD_REQUEST,
                new TooLargeException("payload", "over the limit"), HttpStatus.PAYLOAD_TOO_LARGE,
                new UnavailableException("no orchestrator here"), HttpStatus.SERVICE_UNAVAILABLE);

        expected.forEach((refusal, status) -> {
            ResponseEntity<ProblemDetail> answer = problems.handleDomainException(refusal);
            assertThat(answer.getStatusCode()).isEqualTo(status);
            assertThat(answer.getBody().getStatus()).isEqualTo(status.value());
            assertThat(answer.getBody().getTitle()).isEqualTo(status.getReasonPhrase());
            assertThat(answer.getBody().getDetail()).isEqualTo(refusal.getMessage());
        });
    }

    @Test
    @DisplayName("a refused field goes into errors[], extra facts become members of the problem")
    void fieldAndPropertiesBecomeProblemMembers() {
        ProblemDetail invalid = problems.handleDomainException(new InvalidInputException("limit", "too big")).getBody();
        ProblemDetail conflict = problems.handleDomainException(
                new ConflictException("other input", Map.of("sagaId", "s-1"))).getBody();
        ProblemDetail takenId = problems.handleDomainException(ConflictException.onField("id", "taken")).getBody();

        assertThat(invalid.getProperties()).containsExactly(
                Map.entry("errors", List.of(Map.of("field", "limit", "message", "too big"))));
        assertThat(conflict.getProperties()).containsExactly(Map.entry("sagaId", "s-1"));
        assertThat(takenId.getProperties()).containsExactly(
                Map.entry("errors", List.of(Map.of("field", "id", "message", "taken"))));
    }
}
