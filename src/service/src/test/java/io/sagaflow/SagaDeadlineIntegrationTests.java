package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.ApiSupport.Saga;
import io.sagaflow.testing.IntegrationTest;
import io.sagaflow.testing.SettableClock;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.RuntimeService;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A deadline for the whole saga (process property {@code sagaflow.sagaDeadline}): copies of the trip
 * saga with a saga deadline of PT20S and step deadlines of PT2M, whose flight booking holds its
 * reply for a minute; the clock is moved past the saga deadline instead of waited for.
 */
@IntegrationTest
@DisplayName("Saga deadline")
class SagaDeadlineIntegrationTests {

    private static final Duration PAST_THE_SAGA_DEADLINE = Duration.ofSeconds(25);

    private final ApiSupport api;
    private final JdbcTemplate jdbc;
    private final SettableClock clock;
    private final RepositoryService repository;
    private final RuntimeService runtime;
    private final MeterRegistry meters;

    SagaDeadlineIntegrationTests(ApiSupport api, JdbcTemplate jdbc, SettableClock clock, RepositoryService repository,
                                 RuntimeService runtime, MeterRegistry meters) {
        this.api = api;
        this.jdbc = jdbc;
        this.clock = clock;
        this.repository = repository;
        this.runtime = runtime;
        this.meters = meters;
    }

    @Test
    @DisplayName("past its saga deadline a saga compensates everything it did, the waiting step too, says why, and the pastDeadline filter finds it")
    void sagaPastItsDeadlineCompensatesEverything() throws Exception {
        String processKey = deployTrip("PT20S", null);
        String sagaId = startHeldTrip(processKey);

        clock.advance(PAST_THE_SAGA_DEADLINE);
        Saga saga = awaitEnded(sagaId);

        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(saga.completedSteps()).containsExactly("Task_ReserveCar", "Task_BookHotel");
        assertThat(saga.compensatedSteps()).as("the waiting flight first, then the others in reverse order")
                .containsExactly("Task_BookFlight", "Task_BookHotel", "Task_ReserveCar");
        JsonNode details = api.readJson(api.rest().getForObject("/api/sagas/{id}", String.class, sagaId));
        assertThat(details.path("reason").asText()).startsWith("the saga deadline passed at ");
        assertThat(searchPastDeadline(processKey)).containsExactly(sagaId);
        assertThat(meters.counter("sagaflow.sagas.deadline-passed", "process", processKey).count()).isEqualTo(1.0);
    }

    @Test
    @DisplayName("with onSagaDeadline=incident the saga stops in an incident instead (FAILED, counted by the gauge); an operator's abort then compensates it")
    void sagaPastItsDeadlineRaisesAnIncidentWhenConfigured() throws Exception {
        String processKey = deployTrip("PT20S", "incident");
        String sagaId = startHeldTrip(processKey);

        clock.advance(PAST_THE_SAGA_DEADLINE);
        await("incident raised").atMost(ApiSupport.SAGA_TIMEOUT).until(() ->
                runtime.createIncidentQuery().processInstanceId(sagaId).incidentType("sagaflowSagaDeadline").count() == 1);
        assertThat(api.saga(sagaId).status()).isEqualTo("FAILED");
        assertThat(meters.get("sagaflow.sagas.past-deadline").gauge().value()).isGreaterThanOrEqualTo(1.0);
        assertThat(searchPastDeadline(processKey)).containsExactly(sagaId);

        ResponseEntity<String> aborted = api.rest().postForEntity("/api/sagas/{id}/abort",
                java.util.Map.of("reason", "too late for the trip"), String.class, sagaId);
        assertThat(aborted.getStatusCode().is2xxSuccessful()).as(aborted.getBody()).isTrue();
        assertThat(awaitEnded(sagaId).status()).isEqualTo("COMPENSATED");
    }

    @Test
    @DisplayName("a saga without a saga deadline is not touched by the clock, and a bad sagaDeadline or onSagaDeadline is refused at deployment")
    void withoutASagaDeadlineNothingHappensAndBadValuesAreRefused() throws Exception {
        String processKey = deployTrip(null, null);
        String sagaId = startHeldTrip(processKey);
        clock.advance(PAST_THE_SAGA_DEADLINE);
        await("left alone for two rounds of the watcher").during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                .until(() -> "RUNNING".equals(api.saga(sagaId).status()));
        assertThat(searchPastDeadline(processKey)).isEmpty();
        clock.reset();
        api.rest().postForEntity("/api/sagas/{id}/abort", java.util.Map.of("reason", "test over"), String.class, sagaId);

        assertThatThrownBy(() -> deployTrip("two hours", null)).hasMessageContaining("sagaflow/saga-deadline")
                .hasMessageContaining("ISO-8601");
        assertThatThrownBy(() -> deployTrip("PT1H", "retry")).hasMessageContaining("sagaflow/saga-deadline")
                .hasMessageContaining("'compensate' or 'incident'");
        ResponseEntity<String> badFilter = api.rest().getForEntity("/api/sagas?pastDeadline=yes", String.class);
        api.assertProblem(badFilter, HttpStatus.BAD_REQUEST);
        assertThat(badFilter.getBody()).contains("pastDeadline");
    }

    /** A trip whose car and hotel are booked and whose flight holds its reply for a minute. */
    private String startHeldTrip(String processKey) {
        String sagaId = api.startSaga(processKey, ApiSupport.trip("LIS", "flight.book:delay=PT60S")).sagaId();
        await("the flight step waits").atMost(ApiSupport.SAGA_TIMEOUT).until(() -> jdbc.queryForObject(
                "SELECT COUNT(*) FROM sagaflow.saga_step WHERE saga_id = ? AND command = 'flight.book' AND status = 'WAITING'",
                Long.class, sagaId) == 1);
        return sagaId;
    }

    private Saga awaitEnded(String sagaId) {
        await("saga " + sagaId + " ended").atMost(ApiSupport.SAGA_TIMEOUT.multipliedBy(2)).pollInterval(Duration.ofMillis(200))
                .until(() -> !java.util.Set.of("RUNNING", "FAILED").contains(api.saga(sagaId).status()));
        return api.saga(sagaId);
    }

    private java.util.List<String> searchPastDeadline(String processKey) {
        JsonNode page = api.readJson(api.rest().getForObject("/api/sagas?processKey={key}&pastDeadline=true",
                String.class, processKey));
        java.util.List<String> ids = new java.util.ArrayList<>();
        page.path("items").forEach(item -> ids.add(item.path("sagaId").asText()));
        return ids;
    }

    /** A copy of the trip saga under a fresh key, with the saga deadline properties asked for. */
    private String deployTrip(String sagaDeadline, String onSagaDeadline) throws IOException {
        String properties = "<camunda:property name=\"sagaflow.businessKeyVariable\" value=\"tripId\" />"
                + (sagaDeadline == null ? "" : "<camunda:property name=\"sagaflow.sagaDeadline\" value=\"" + sagaDeadline + "\" />")
                + (onSagaDeadline == null ? "" : "<camunda:property name=\"sagaflow.onSagaDeadline\" value=\"" + onSagaDeadline + "\" />");
        return io.sagaflow.testing.ProcessCopies.deploy(repository, "trip-booking", "deadline-trip-", java.util.Map.of(
                "<camunda:property name=\"sagaflow.businessKeyVariable\" value=\"tripId\" />", properties,
                "<camunda:inputParameter name=\"deadline\">PT30S</camunda:inputParameter>",
                "<camunda:inputParameter name=\"deadline\">PT2M</camunda:inputParameter>"));
    }
}
