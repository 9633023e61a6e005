package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.User;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.IntegrationTest;

/**
 * Who may reach what. Every protected surface answers 401 to no credentials, to an unknown user and
 * to a wrong password, and 200 to the admin. Wrong passwords are only ever sent for a throw-away
 * Camunda user of the test: the webapps' login still delays a user after a wrong password. Clients
 * versus operators, and bearer tokens: {@link AccessControlIntegrationTests}.
 */
@IntegrationTest
@DisplayName("Security")
class SecurityIntegrationTests {

    private final ApiSupport api;
    /** Without credentials: the anonymous caller, or any credentials a test sets. */
    private final TestRestTemplate rest;
    private final IdentityService identities;
    private final HistoryService history;

    private String probeUser;
    private String probePassword;

    SecurityIntegrationTests(ApiSupport api, TestRestTemplate rest, IdentityService identities,
                             HistoryService history) {
        this.api = api;
        this.rest = rest;
        this.identities = identities;
        this.history = history;
    }

    /** A Camunda user of this test alone, in no group, whose logins may be throttled without harm. */
    @BeforeEach
    void createProbeUser() {
        probeUser = "probe-" + UUID.randomUUID();
        probePassword = "probe-secret-" + UUID.randomUUID();
        User user = identities.newUser(probeUser);
        user.setFirstName("Probe");
        user.setLastName("User");
        user.setPassword(probePassword);
        identities.saveUser(user);
    }

    @AfterEach
    void deleteProbeUser() {
        identities.deleteUser(probeUser);
    }

    /**
     * The own API, the repair API, Camunda's engine REST API (a real resource: {@code /engine-rest/engine}
     * is exempt by Camunda's design), Actuator with {@code /actuator/prometheus} (metrics export is on in
     * the integration tests, see {@link IntegrationTest}) and the OpenAPI document.
     */
    @ParameterizedTest(name = "GET {0}")
    @ValueSource(strings = {
        "/api/examples/stock/SKU-1",
        "/api/parked-messages",
        "/engine-rest/process-definition",
        "/actuator/metrics",
        "/actuator/prometheus",
        "/v3/api-docs",
    })
    @DisplayName("a protected surface refuses anonymous, unknown-user and wrong-password requests and serves the admin")
    void protectedSurfaceNeedsValidCredentials(String path) {
        assertThat(identities.createUserQuery().userId(probeUser).count()).as("probe user exists").isOne();

        assertUnauthorized(rest.getForEntity(path, String.class), path, "anonymous");
        assertUnauthorized(rest.withBasicAuth("nobody-" + UUID.randomUUID(), "whatever").getForEntity(path, String.class),
                path, "unknown user");
        assertUnauthorized(rest.withBasicAuth(probeUser, probePassword + "-wrong").getForEntity(path, String.class),
                path, "probe user with a wrong password");

        ResponseEntity<String> admin = api.rest().getForEntity(path, String.class);
        assertThat(admin.getStatusCode()).as("GET %s as the admin: %s", path, admin.getBody()).isEqualTo(HttpStatus.OK);
        assertThat(admin.getBody()).as("body of GET %s as the admin", path).isNotBlank();
    }

    @ParameterizedTest(name = "GET {0}")
    @ValueSource(strings = {
        "/api/examples/stock/SKU-1",
        "/api/parked-messages",
        "/api/outbox/failed",
        "/actuator/metrics",
        "/v3/api-docs",
    })
    @DisplayName("a user who is not a Camunda administrator is forbidden to operate the service")
    void nonAdministratorIsForbidden(String path) {
        ResponseEntity<String> probe = rest.withBasicAuth(probeUser, probePassword).getForEntity(path, String.class);
        assertThat(probe.getStatusCode()).as("GET %s as a user outside the admin group", path)
                .isEqualTo(HttpStatus.FORBIDDEN);
    }

    @Test
    @DisplayName("a user who is not a Camunda administrator cannot make itself one through engine-rest")
    void nonAdministratorCannotEscalateThroughEngineRest() {
        ResponseEntity<String> join = rest.withBasicAuth(probeUser, probePassword).exchange(
                "/engine-rest/group/camunda-admin/members/" + probeUser, HttpMethod.PUT, null, String.class);
        assertThat(join.getStatusCode()).as("joining the admin group: %s", join.getBody())
                .isEqualTo(HttpStatus.FORBIDDEN);
        assertThat(identities.createUserQuery().memberOfGroup("camunda-admin").userId(probeUser).count()).isZero();

        ResponseEntity<String> users = rest.withBasicAuth(probeUser, probePassword)
                .getForEntity("/engine-rest/user", String.class);
        assertThat(users.getBody()).as("users visible to the probe")
                .doesNotContain("\"id\":\"" + api.adminUser() + "\"");
    }

    @Test
    @DisplayName("health answers anonymously with its status only, no components or details")
    void healthIsPublicWithoutDetails() throws Exception {
        // The status itself depends on the shared database (another test's stuck outbox row turns it
        // DOWN), so the anonymous answer is compared with the admin's view of the same moment.
        String statusSeenByAdmin = adminHealthStatus();
        ResponseEntity<String> response = rest.getForEntity("/actuator/health", String.class);

        assertThat(response.getStatusCode()).as("anonymous GET /actuator/health: %s", response.getBody())
                .isEqualTo(statusSeenByAdmin.equals("UP") ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
        JsonNode health = api.readJson(response.getBody());
        assertThat(health.path("status").asText()).isEqualTo(statusSeenByAdmin);
        assertThat(health.has("components")).as("components shown anonymously in %s", health).isFalse();
        assertThat(health.has("details")).as("details shown anonymously in %s", health).isFalse();
        assertThat(health.toString()).doesNotContain("outbox", "parkedMessages", "db", "rabbit");
    }

    @Test
    @DisplayName("health shows its components to the admin, so hiding them anonymously is a real difference")
    void healthShowsComponentsToTheAdmin() throws Exception {
        ResponseEntity<String> response = api.rest().getForEntity("/actuator/health", String.class);

        JsonNode health = api.readJson(response.getBody());
        assertThat(health.path("components").path("outbox").path("status").asText())
                .as("components of %s", response.getBody()).isIn("UP", "DOWN");
        assertThat(health.path("components").path("db").path("status").asText()).isEqualTo("UP");
        assertThat(response.getStatusCode()).as("HTTP status of %s", health.path("status"))
                .isEqualTo(health.path("status").asText().equals("UP") ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE);
    }

    private String adminHealthStatus() throws Exception {
        ResponseEntity<String> response = api.rest().getForEntity("/actuator/health", String.class);
        return api.readJson(response.getBody()).path("status").asText();
    }

    @Test
    @DisplayName("an anonymous POST /api/orders answers 401 and starts no saga")
    void anonymousOrderIsRefusedAndStartsNoSaga() throws Exception {
        String orderId = ApiSupport.fresh("order");
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        // The order's id is the saga's business key.
        ObjectNode order = (ObjectNode) api.readJson(api.json(
                new ApiSupport.OrderRequest(ApiSupport.fresh("customer"), "SKU-1", 1, new BigDecimal("10"), "DE")));
        order.put("orderId", orderId);

        ResponseEntity<String> response = rest.postForEntity("/api/orders",
                new org.springframework.http.HttpEntity<>(order.toString(), headers), String.class);

        assertUnauthorized(response, "/api/orders", "anonymous POST");
        // A started saga would have committed its process instance before the response was sent.
        assertThat(history.createHistoricProcessInstanceQuery().processInstanceBusinessKey(orderId).count())
                .as("sagas of order %s", orderId).isZero();
    }

    @Test
    @DisplayName("the admin's POST /api/orders starts a saga, so the anonymous refusal is a real difference")
    void adminOrderStartsASaga() {
        ApiSupport.StartedSaga saga = api.placeOrder(
                new ApiSupport.OrderRequest(ApiSupport.fresh("customer"), "SKU-1", 1, new BigDecimal("10"), "DE"));

        assertThat(history.createHistoricProcessInstanceQuery().processInstanceBusinessKey(saga.businessKey()).count())
                .isOne();
    }

    @Test
    @DisplayName("the Cockpit page loads anonymously (it is the login page)")
    void cockpitPageLoadsAnonymously() {
        ResponseEntity<String> response = rest.getForEntity("/camunda/app/cockpit/default/", String.class);

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        assertThat(response.getHeaders().getContentType()).isNotNull();
        assertThat(response.getHeaders().getContentType().isCompatibleWith(MediaType.TEXT_HTML)).isTrue();
        assertThat(response.getBody()).containsIgnoringCase("cockpit");
    }

    @ParameterizedTest(name = "GET {0}")
    @ValueSource(strings = {
        "/camunda/api/cockpit/plugin/base/default/process-definition/statistics",
        "/camunda/api/engine/engine/default/process-definition",
        "/camunda/api/engine/engine/default/user",
    })
    @DisplayName("the webapps' REST API refuses anonymous requests")
    void webappApiRefusesAnonymousRequests(String path) {
        ResponseEntity<String> response = rest.getForEntity(path, String.class);

        assertThat(response.getStatusCode()).as("anonymous GET %s: %s", path, response.getBody())
                .isIn(HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN);
        assertThat(response.getBody()).as("body of anonymous GET %s", path)
                .doesNotContain("\"key\":\"order-fulfillment\"", "\"key\": \"order-fulfillment\"");
    }

    @ParameterizedTest(name = "GET {0}")
    @ValueSource(strings = {
        "/camunda/api/cockpit/plugin/base/default/process-definition/statistics",
        "/camunda/api/engine/engine/default/process-definition",
    })
    @DisplayName("the webapps' REST API ignores HTTP Basic credentials: it knows only its own login session")
    void webappApiIgnoresBasicCredentials(String path) {
        ResponseEntity<String> response = api.rest().getForEntity(path, String.class);

        assertThat(response.getStatusCode()).as("GET %s with Basic credentials: %s", path, response.getBody())
                .isIn(HttpStatus.UNAUTHORIZED, HttpStatus.FORBIDDEN);
    }

    @Test
    @DisplayName("GET /engine-rest/engine answers anonymously, as Camunda exempts it, and reveals only engine names")
    void engineListIsExemptByCamundasDesign() throws Exception {
        ResponseEntity<String> response = rest.getForEntity("/engine-rest/engine", String.class);

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        JsonNode engines = api.readJson(response.getBody());
        assertThat(engines.isArray()).isTrue();
        engines.forEach(engine -> assertThat(engine.fieldNames()).toIterable().containsExactly("name"));
    }

    private static void assertUnauthorized(ResponseEntity<String> response, String path, String who) {
        assertThat(response.getStatusCode()).as("%s %s: %s", who, path, response.getBody())
                .isEqualTo(HttpStatus.UNAUTHORIZED);
        assertThat(response.getHeaders().getFirst(HttpHeaders.WWW_AUTHENTICATE))
                .as("WWW-Authenticate of %s %s", who, path).startsWith("Basic");
        // Nothing of what the admin gets: stock levels, process definitions, meter names, parked messages, API docs.
        assertThat(response.getBody() == null ? "" : response.getBody())
                .as("body of the refusal of %s %s", who, path)
                .doesNotContain("\"available\"", "\"deploymentId\"", "\"names\"", "\"reason\"", "\"openapi\"");
    }
}
