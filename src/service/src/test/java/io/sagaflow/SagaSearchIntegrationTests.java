package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.sagaflow.testing.ApiSupport.StartedSaga;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.IntegrationTest;

/** {@code GET /api/sagas}: filters, newest-first stable pages with links, and problems for bad filters. */
@IntegrationTest
@DisplayName("Saga search")
class SagaSearchIntegrationTests {

    private static final String PROCESS = "order-fulfillment";

    private final ApiSupport api;

    private String sku;

    SagaSearchIntegrationTests(ApiSupport api) {
        this.api = api;
    }

    @BeforeEach
    void setUp() {
        sku = api.freshSku(1_000);
    }

    @Test
    @DisplayName("a business key finds its saga with status and timestamps; a status filter narrows it")
    void findsASagaByBusinessKeyAndStatus() throws Exception {
        StartedSaga started = api.startSaga(PROCESS, order());
        api.awaitFinished(started.sagaId());

        JsonNode page = search("?businessKey={key}", started.businessKey());

        assertThat(page.path("items")).hasSize(1);
        JsonNode saga = page.path("items").get(0);
        assertThat(saga.path("sagaId").asText()).isEqualTo(started.sagaId());
        assertThat(saga.path("processKey").asText()).isEqualTo(PROCESS);
        assertThat(saga.path("status").asText()).isEqualTo("COMPLETED");
        assertThat(Instant.parse(saga.path("startedAt").asText()))
                .isBeforeOrEqualTo(Instant.parse(saga.path("endedAt").asText()));
        assertThat(search("?businessKey={key}&status=COMPLETED&processKey=" + PROCESS, started.businessKey())
                .path("items")).hasSize(1);
        assertThat(search("?businessKey={key}&status=running", started.businessKey()).path("items")).isEmpty();
        assertThat(search("?businessKey={key}&processKey=trip-booking", started.businessKey()).path("items")).isEmpty();
    }

    @Test
    @DisplayName("pages list the newest first, link to the next and previous page, and together list each saga once")
    void pagesAreStableAndLinked() throws Exception {
        Instant before = Instant.now().minusMillis(1);
        List<String> startedIds = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            startedIds.add(api.startSaga(PROCESS, order()).sagaId());
        }
        startedIds.forEach(api::awaitFinished); // pages compared below must not change status meanwhile
        String filter = "?processKey=" + PROCESS + "&startedAfter=" + before + "&size=2";

        ResponseEntity<String> first = api.rest().getForEntity("/api/sagas" + filter, String.class);
        JsonNode page0 = api.readJson(first.getBody());
        JsonNode page1 = follow(page0.path("links").path("next").asText());
        JsonNode page2 = follow(page1.path("links").path("next").asText());

        assertThat(first.getHeaders().getFirst(HttpHeaders.LINK)).contains("rel=\"next\"", "page=1");
        assertThat(page0.path("items")).hasSize(2);
        assertThat(page1.path("items")).hasSize(2);
        assertThat(page2.path("items")).hasSize(1);
        assertThat(page0.path("links").has("prev")).isFalse();
        assertThat(page2.path("links").has("next")).isFalse();
        assertThat(follow(page2.path("links").path("prev").asText()).path("items").findValuesAsText("sagaId"))
                .isEqualTo(page1.path("items").findValuesAsText("sagaId"));
        List<String> listed = new ArrayList<>();
        List<Instant> starts = new ArrayList<>();
        for (JsonNode page : List.of(page0, page1, page2)) {
            page.path("items").forEach(saga -> {
                listed.add(saga.path("sagaId").asText());
                starts.add(Instant.parse(saga.path("startedAt").asText()));
            });
        }
        assertThat(listed).containsExactlyInAnyOrderElementsOf(startedIds);
        assertThat(starts).isSortedAccordingTo((a, b) -> b.compareTo(a));
    }

    @Test
    @DisplayName("the OpenAPI document describes the search with its filters, the messages of a saga, versions, migrations and the Idempotency-Key")
    void openApiDocumentDescribesTheNewEndpoints() throws Exception {
        JsonNode paths = api.readJson(api.rest().getForObject("/v3/api-docs", String.class)).path("paths");

        assertThat(paths.path("/api/sagas").path("get").path("parameters").findValuesAsText("name"))
                .contains("processKey", "businessKey", "status", "startedAfter", "processDefinitionVersion", "page",
                        "size");
        assertThat(paths.has("/api/sagas/{sagaId}/messages")).isTrue();
        assertThat(paths.has("/api/sagas/versions")).isTrue();
        assertThat(paths.path("/api/sagas/migrations").has("post")).isTrue();
        assertThat(paths.has("/api/sagas/migrations/{migrationId}")).isTrue();
        assertThat(paths.path("/api/orders").path("post").path("parameters").findValuesAsText("name"))
                .contains("Idempotency-Key");
    }

    @ParameterizedTest(name = "{0}={1} answers 400 naming the field")
    @CsvSource({"status, DONE", "startedAfter, yesterday", "size, 0", "size, 201", "page, -1", "page, x"})
    @DisplayName("a bad filter answers 400 problem+json naming the field")
    void badFilterIsABadRequest(String field, String value) throws Exception {
        ResponseEntity<String> response = api.rest().getForEntity("/api/sagas?{field}={value}", String.class, field,
                value);

        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.BAD_REQUEST);
        assertThat(response.getHeaders().getContentType()).isEqualTo(MediaType.APPLICATION_PROBLEM_JSON);
        assertThat(api.readJson(response.getBody()).path("errors").findValuesAsText("field"))
                .containsExactly(field);
    }

    private JsonNode search(String query, Object... uriVariables) throws Exception {
        ResponseEntity<String> response = api.rest().getForEntity("/api/sagas" + query, String.class, uriVariables);
        assertThat(response.getStatusCode()).as("search %s: %s", query, response.getBody()).isEqualTo(HttpStatus.OK);
        return api.readJson(response.getBody());
    }

    private JsonNode follow(String link) throws Exception {
        assertThat(link).startsWith("/api/sagas?");
        ResponseEntity<String> response = api.rest().getForEntity(java.net.URI.create(link), String.class);
        assertThat(response.getStatusCode()).isEqualTo(HttpStatus.OK);
        return api.readJson(response.getBody());
    }

    private Map<String, Object> order() {
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("orderId", ApiSupport.fresh("order"));
        variables.put("customerId", ApiSupport.fresh("customer"));
        variables.put("sku", sku);
        variables.put("quantity", 1);
        variables.put("amount", new BigDecimal("5.00"));
        variables.put("country", "DE");
        return variables;
    }
}
