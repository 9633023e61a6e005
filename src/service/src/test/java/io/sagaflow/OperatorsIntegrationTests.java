package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.sagaflow.security.Scopes;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.identity.User;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.IntegrationTest;

/**
 * People as operators (docs/operations.md): a Camunda user the admin puts in {@code saga-operator}
 * may repair and abort sagas, but not delete a deployment or manage users; one in {@code saga-viewer}
 * reads every saga and repairs nothing. Every repair leaves one audit record, a refused one too; an
 * operator reads the trail and exports it as JSON Lines.
 */
@IntegrationTest
@DisplayName("Operators and viewers, with an audit trail")
class OperatorsIntegrationTests {

    private final ApiSupport api;
    private final IdentityService identities;
    private final RepositoryService repository;
    private final JdbcTemplate jdbc;

    private final List<String> people = new java.util.ArrayList<>();

    OperatorsIntegrationTests(ApiSupport api, IdentityService identities, RepositoryService repository,
                              JdbcTemplate jdbc) {
        this.api = api;
        this.identities = identities;
        this.repository = repository;
        this.jdbc = jdbc;
    }

    @AfterEach
    void removePeople() {
        people.forEach(identities::deleteUser);
    }

    @Test
    @DisplayName("an operator who is no administrator aborts a saga (audited) but cannot delete a deployment or create a user")
    void operatorRepairsButDoesNotAdminister() {
        TestRestTemplate operator = person(Scopes.OPERATOR_GROUP);
        String sagaId = api.startSaga("order-fulfillment", ApiSupport.orderVariables(api.freshSku(5), "12.00", "DE",
                "payment.charge:delay=PT20S")).sagaId();

        ResponseEntity<String> aborted = operator.exchange("/api/sagas/{id}/abort", HttpMethod.POST,
                json("{\"reason\":\"customer called\"}"), String.class, sagaId);
        assertThat(aborted.getStatusCode()).as("abort: %s", aborted.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        ResponseEntity<String> again = operator.exchange("/api/sagas/{id}/abort", HttpMethod.POST,
                json("{\"reason\":\"twice\"}"), String.class, sagaId);
        assertThat(again.getStatusCode()).isEqualTo(HttpStatus.CONFLICT);

        JsonNode trail = api.readJson(operator.getForEntity("/api/audit?sagaId={id}", String.class, sagaId).getBody());
        assertThat(trail.path("items").findValuesAsText("outcome")).containsExactly("DONE", "REFUSED");
        JsonNode done = trail.path("items").get(0);
        assertThat(done.path("actor").asText()).isEqualTo(people.get(0));
        assertThat(done.path("actorKind").asText()).isEqualTo("USER");
        assertThat(done.path("via").asText()).isEqualTo("API");
        assertThat(done.path("action").asText()).isEqualTo("saga.abort");
        assertThat(done.path("reason").asText()).isEqualTo("customer called");
        assertThat(trail.path("items").get(1).path("detail").asText()).containsAnyOf("already compensating", "has already ended");

        String deployment = repository.createDeploymentQuery().list().get(0).getId();
        assertThat(operator.exchange("/engine-rest/deployment/{id}", HttpMethod.DELETE, null, String.class, deployment)
                .getStatusCode()).as("delete a deployment").isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(operator.exchange("/engine-rest/user/create", HttpMethod.POST,
                json("{\"profile\":{\"id\":\"intruder\"},\"credentials\":{\"password\":\"x-1234567\"}}"), String.class)
                .getStatusCode()).as("create a user").isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(operator.getForEntity("/engine-rest/process-instance?processInstanceIds={id}", String.class, sagaId)
                .getStatusCode()).as("read process instances").isEqualTo(HttpStatus.OK);
        assertThat(identities.createUserQuery().userId("intruder").count()).isZero();
    }

    @Test
    @DisplayName("a viewer reads every saga, but repairing, the audit trail and engine-rest answer 403 (and the refused abort is audited)")
    void viewerReadsAndRepairsNothing() {
        TestRestTemplate viewer = person(Scopes.VIEWER_GROUP);
        String sagaId = api.startSaga("trip-booking", ApiSupport.trip("LIS", "car.reserve:delay=PT20S")).sagaId();

        assertThat(viewer.getForEntity("/api/sagas/{id}", String.class, sagaId).getStatusCode())
                .as("a saga the viewer did not start").isEqualTo(HttpStatus.OK);
        assertThat(api.readJson(viewer.getForEntity("/api/sagas?processKey=trip-booking&size=100", String.class)
                .getBody()).path("items").findValuesAsText("sagaId")).contains(sagaId);
        assertThat(viewer.getForEntity("/api/sagas/{id}/messages", String.class, sagaId).getStatusCode())
                .isEqualTo(HttpStatus.OK);

        assertThat(viewer.exchange("/api/sagas/{id}/abort", HttpMethod.POST, json("{}"), String.class, sagaId)
                .getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(viewer.exchange("/api/outbox/{id}/requeue", HttpMethod.POST, json("{}"), String.class, "x")
                .getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(viewer.getForEntity("/api/audit", String.class).getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(viewer.exchange("/api/sagas/migrations", HttpMethod.POST, json("{\"processKey\":\"trip-booking\","
                + "\"sourceVersion\":1,\"dryRun\":true}"), String.class).getStatusCode())
                .as("even a dry run of a migration").isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(viewer.getForEntity("/api/sagas/migrations/{id}", String.class, "x").getStatusCode())
                .isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(viewer.getForEntity("/engine-rest/process-instance", String.class).getStatusCode())
                .isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(api.saga(sagaId).status()).isEqualTo("RUNNING");
        api.postJson("/api/sagas/{id}/abort", "{\"reason\":\"test over\"}", sagaId);
    }

    @Test
    @DisplayName("an operator's Retry of an incident through Camunda (engine-rest, as Cockpit does) is in the saga's audit, with the operator's name")
    void engineOperationsOfAPersonAreAudited() {
        TestRestTemplate operator = person(Scopes.OPERATOR_GROUP);
        String sagaId = api.startSaga("trip-booking", ApiSupport.trip("LIS", "car.reserve:technical-failure-once")).sagaId();
        String jobId = org.awaitility.Awaitility.await("the car step's incident").atMost(java.time.Duration.ofSeconds(30))
                .until(() -> managementJobOf(sagaId), java.util.Objects::nonNull);

        ResponseEntity<String> retried = operator.exchange("/engine-rest/job/{id}/retries", HttpMethod.PUT,
                json("{\"retries\":1}"), String.class, jobId);
        assertThat(retried.getStatusCode()).as("retry: %s", retried.getBody()).isEqualTo(HttpStatus.NO_CONTENT);

        JsonNode trail = api.readJson(api.rest().getForEntity("/api/audit?sagaId={id}", String.class, sagaId).getBody());
        assertThat(trail.path("engineOperations")).anySatisfy(operation -> {
            assertThat(operation.path("user").asText()).isEqualTo(people.get(0));
            assertThat(operation.path("operation").asText()).isEqualTo("SetJobRetries");
        });
        api.postJson("/api/sagas/{id}/abort", "{\"reason\":\"test over\"}", sagaId);
    }

    private String managementJobOf(String sagaId) {
        List<String> jobs = jdbc.queryForList("SELECT id_ FROM act_ru_job WHERE process_instance_id_ = ? AND retries_ = 0",
                String.class, sagaId);
        return jobs.isEmpty() ? null : jobs.get(0);
    }

    @Test
    @DisplayName("refused repairs leave one REFUSED record each; the trail exports as JSON Lines for a time range")
    void refusalsAreAuditedAndExported() {
        java.time.Instant from = java.time.Instant.now().minusSeconds(1);
        String unknown = "no-such-message-" + UUID.randomUUID();
        assertThat(api.postJson("/api/outbox/{id}/requeue", "{\"reason\":\"stuck\"}", unknown).getStatusCode())
                .isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(api.postJson("/api/parked-messages/{id}/replay", "{}", Long.MAX_VALUE).getStatusCode())
                .isEqualTo(HttpStatus.NOT_FOUND);

        assertThat(jdbc.queryForList("SELECT action || ' ' || outcome || ' ' || reason FROM sagaflow.audit_record "
                + "WHERE target = ?", String.class, unknown)).containsExactly("outbox.requeue REFUSED stuck");
        ResponseEntity<String> export = api.rest().getForEntity("/api/audit/export?from={from}&to={to}", String.class,
                from.toString(), java.time.Instant.now().plusSeconds(1).toString());
        assertThat(export.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(export.getHeaders().getContentType().toString()).startsWith("application/jsonl");
        List<String> lines = export.getBody().lines().toList();
        assertThat(lines).anySatisfy(line -> assertThat(line).contains(unknown, "\"outcome\":\"REFUSED\""));
        lines.forEach(line -> assertThat(api.readJson(line).path("seq").asLong()).isPositive());
        ApiSupport.assertProblemAnswer(api.rest().getForEntity("/api/audit?from=yesterday", String.class),
                HttpStatus.BAD_REQUEST);
    }

    /** A person the admin adds to a group: a Camunda user with a membership and no grants of their own. */
    private TestRestTemplate person(String group) {
        String id = group + "-" + UUID.randomUUID().toString().substring(0, 8);
        String password = "secret-" + UUID.randomUUID();
        User user = identities.newUser(id);
        user.setPassword(password);
        identities.saveUser(user);
        identities.createMembership(id, group);
        people.add(id);
        return api.rest().withBasicAuth(id, password);
    }

    private static HttpEntity<String> json(String body) {
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        return new HttpEntity<>(body, headers);
    }
}
