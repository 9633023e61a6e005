package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Value;
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
import io.sagaflow.testing.JwtTokens;

/**
 * API clients apart from operators, endpoint by endpoint: a client (HTTP Basic from the configured
 * clients, or a JWT with scopes) starts and reads sagas and is refused everything an operator does;
 * the operator is let through the same requests. Bad tokens answer 401, missing scopes 403, both
 * problem+json.
 */
@IntegrationTest
@DisplayName("Access control: clients and operators")
class AccessControlIntegrationTests {

    private final ApiSupport api;
    /** Without credentials: every request here sets its own. */
    private final TestRestTemplate rest;
    private final JdbcTemplate jdbc;
    @Value("${sagaflow.security.clients[0].id}")
    private String clientId;
    @Value("${sagaflow.security.clients[0].secret}")
    private String clientSecret;

    private String sku;

    AccessControlIntegrationTests(ApiSupport api, TestRestTemplate rest, JdbcTemplate jdbc) {
        this.api = api;
        this.rest = rest;
        this.jdbc = jdbc;
    }

    @BeforeEach
    void setUp() {
        sku = api.freshSku(100);
    }

    @Test
    @DisplayName("a client with HTTP Basic starts a saga and reads it, its search and health")
    void clientStartsAndReadsSagas() throws Exception {
        ResponseEntity<String> started = exchange(clientBasic(), HttpMethod.POST, "/api/orders", order());
        assertThat(started.getStatusCode()).as("start: %s", started.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        String sagaId = api.readJson(started.getBody()).path("sagaId").asText();

        assertThat(exchange(clientBasic(), HttpMethod.GET, "/api/sagas/" + sagaId, null).getStatusCode())
                .isEqualTo(HttpStatus.OK);
        assertThat(exchange(clientBasic(), HttpMethod.GET, "/api/sagas?size=1", null).getStatusCode())
                .isEqualTo(HttpStatus.OK);
        assertThat(exchange(clientBasic(), HttpMethod.GET, "/actuator/health", null).getStatusCode())
                .isEqualTo(HttpStatus.OK);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "POST, /api/sagas/no-such-saga/abort",
        "POST, /api/outbox/no-such-message/requeue",
        "GET, /api/outbox/failed",
        "GET, /api/parked-messages",
        "POST, /api/parked-messages/999999999/replay",
        "GET, /api/tx-messages",
        "POST, /api/tx-messages/no-such-message/resolve",
        "DELETE, /api/examples/simulations/no-such-saga",
        "GET, /engine-rest/process-definition",
        "GET, /engine-rest/incident",
        "GET, /actuator/metrics",
        "GET, /actuator/env",
    })
    @DisplayName("an operator-only endpoint refuses a client with 403 problem+json and lets the operator through")
    void operatorOnlyEndpointRefusesClients(String method, String path) throws Exception {
        HttpMethod httpMethod = HttpMethod.valueOf(method);
        Object body = path.endsWith("/resolve") ? Map.of("decision", "COMMIT")
                : path.endsWith("/abort") ? Map.of("reason", "test") : null;

        ResponseEntity<String> client = exchange(clientBasic(), httpMethod, path, body);
        ResponseEntity<String> clientToken = exchange(bearer(JwtTokens.valid(clientId, "sagas:start sagas:read")),
                httpMethod, path, body);
        ResponseEntity<String> operator = exchange(operatorBasic(), httpMethod, path, body);

        assertForbiddenProblem(client, "client " + method + " " + path);
        assertForbiddenProblem(clientToken, "client token " + method + " " + path);
        assertThat(operator.getStatusCode().value()).as("operator %s %s: %s", method, path, operator.getBody())
                .isNotIn(401, 403, 429);
    }

    @Test
    @DisplayName("a JWT with the start scope starts a saga; with only the read scope it is refused 403 insufficient_scope")
    void jwtScopesDecide() throws Exception {
        ResponseEntity<String> started = exchange(bearer(JwtTokens.valid("shop-service", "sagas:start sagas:read")),
                HttpMethod.POST, "/api/orders", order());
        assertThat(started.getStatusCode()).as("start: %s", started.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        String sagaId = api.readJson(started.getBody()).path("sagaId").asText();
        assertThat(exchange(bearer(JwtTokens.valid("shop-service", "sagas:read")), HttpMethod.GET,
                "/api/sagas/" + sagaId, null).getStatusCode()).isEqualTo(HttpStatus.OK);

        ResponseEntity<String> readOnly = exchange(bearer(JwtTokens.valid("reporting", "sagas:read")),
                HttpMethod.POST, "/api/orders", order());

        assertForbiddenProblem(readOnly, "read-only token starting a saga");
        assertThat(readOnly.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).contains("insufficient_scope");
    }

    @Test
    @DisplayName("a client reads only the sagas it started: another client's saga and its messages are not found, nor listed; the operator sees it")
    void clientReadsOnlyItsOwnSagas() throws Exception {
        ResponseEntity<String> started = exchange(bearer(JwtTokens.valid("shop-service", "sagas:start sagas:read")),
                HttpMethod.POST, "/api/orders", order());
        JsonNode saga = api.readJson(started.getBody());
        String sagaId = saga.path("sagaId").asText();
        String search = "/api/sagas?businessKey=" + saga.path("businessKey").asText();

        HttpHeaders owner = bearer(JwtTokens.valid("shop-service", "sagas:read"));
        HttpHeaders stranger = bearer(JwtTokens.valid("reporting", "sagas:read"));
        assertThat(exchange(owner, HttpMethod.GET, "/api/sagas/" + sagaId, null).getStatusCode())
                .isEqualTo(HttpStatus.OK);
        assertThat(exchange(stranger, HttpMethod.GET, "/api/sagas/" + sagaId, null).getStatusCode())
                .isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(exchange(clientBasic(), HttpMethod.GET, "/api/sagas/" + sagaId, null).getStatusCode())
                .isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(exchange(owner, HttpMethod.GET, "/api/sagas/" + sagaId + "/messages", null).getStatusCode())
                .isEqualTo(HttpStatus.OK);
        assertThat(exchange(stranger, HttpMethod.GET, "/api/sagas/" + sagaId + "/messages", null).getStatusCode())
                .as("another client's saga messages").isEqualTo(HttpStatus.NOT_FOUND);
        assertThat(items(exchange(owner, HttpMethod.GET, search, null))).isEqualTo(1);
        assertThat(items(exchange(stranger, HttpMethod.GET, search, null))).isZero();
        assertThat(items(exchange(operatorBasic(), HttpMethod.GET, search, null))).isEqualTo(1);
    }

    private int items(ResponseEntity<String> page) throws Exception {
        assertThat(page.getStatusCode()).isEqualTo(HttpStatus.OK);
        return api.readJson(page.getBody()).path("items").size();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"expired", "signed by another key", "not a JWT"})
    @DisplayName("a bad bearer token answers 401 problem+json and starts nothing")
    void badTokenIsUnauthorized(String kind) throws Exception {
        String token = switch (kind) {
            case "expired" -> JwtTokens.signed(JwtTokens.TEST_KEY, "shop-service", "sagas:start",
                    Instant.now().minus(Duration.ofHours(2)), Instant.now().minus(Duration.ofHours(1)));
            case "signed by another key" -> JwtTokens.signed(JwtTokens.STRANGER_KEY, "shop-service", "sagas:start",
                    Instant.now(), Instant.now().plus(Duration.ofMinutes(5)));
            default -> "not-a-jwt";
        };
        Long sagasBefore = jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.saga", Long.class);

        ResponseEntity<String> response = exchange(bearer(token), HttpMethod.POST, "/api/orders", order());

        assertThat(response.getStatusCode()).as("%s: %s", kind, response.getBody()).isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE)).contains("invalid_token");
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.saga", Long.class)).isEqualTo(sagasBefore);
    }

    @Test
    @DisplayName("a client's wrong secret answers 401 problem+json with the Basic challenge")
    void wrongClientSecretIsUnauthorized() {
        ResponseEntity<String> response = exchange(basic(clientId, clientSecret + "-wrong"), HttpMethod.GET,
                "/api/sagas?size=1", null);

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(response.getHeaders().get(HttpHeaders.WWW_AUTHENTICATE)).anyMatch(value -> value.startsWith("Basic"));
    }

    @Test
    @DisplayName("the client's credentials are not an operator's: they do not open Cockpit's engine-rest either")
    void clientCredentialsAreNotCamundaCredentials() {
        ResponseEntity<String> response = exchange(clientBasic(), HttpMethod.GET, "/engine-rest/user", null);

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(response.getBody()).doesNotContain("\"id\":\"" + api.adminUser() + "\"");
    }

    // --- helpers --------------------------------------------------------------------------

    private void assertForbiddenProblem(ResponseEntity<String> response, String what) throws Exception {
        assertThat(response.getStatusCode()).as("%s: %s", what, response.getBody()).isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(response.getHeaders().getContentType()).as(what).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        JsonNode problem = api.readJson(response.getBody());
        assertThat(problem.path("status").asInt()).isEqualTo(403);
        assertThat(problem.path("detail").asText()).contains("scope");
    }

    private Map<String, Object> order() {
        return Map.of("customerId", ApiSupport.fresh("customer"), "sku", sku, "quantity", 1,
                "amount", new BigDecimal("5.00"), "country", "DE");
    }

    private HttpHeaders clientBasic() {
        return basic(clientId, clientSecret);
    }

    private HttpHeaders operatorBasic() {
        return basic(api.adminUser(), api.adminPassword());
    }

    private static HttpHeaders basic(String user, String password) {
        HttpHeaders headers = new HttpHeaders();
        headers.setBasicAuth(user, password);
        return headers;
    }

    private static HttpHeaders bearer(String token) {
        HttpHeaders headers = new HttpHeaders();
        headers.setBearerAuth(token);
        return headers;
    }

    private ResponseEntity<String> exchange(HttpHeaders headers, HttpMethod method, String path, Object body) {
        HttpHeaders all = new HttpHeaders();
        all.addAll(headers);
        all.setAccept(List.of(MediaType.APPLICATION_JSON, MediaType.APPLICATION_PROBLEM_JSON));
        if (body != null) {
            all.setContentType(MediaType.APPLICATION_JSON);
        }
        return rest.exchange(path, method, new HttpEntity<>(body, all), String.class);
    }
}
