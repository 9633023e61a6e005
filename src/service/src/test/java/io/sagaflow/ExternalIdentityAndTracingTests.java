package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.JwtTokens;

/**
 * What README promises about the world outside, against a stand-in for it (a JDK HTTP server in this
 * JVM): a JWT client is trusted through the identity provider's issuer URI (discovery document, then
 * its JWK set), and a saga's spans are exported over OTLP to the configured endpoint.
 *
 * <p>Its own context (own in-memory database, broker, engine name, no webapps), closed afterwards: the
 * shared context of the integration tests trusts a fixed public key instead and exports nothing.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "sagaflow.embedded-broker.port=0",
        "spring.datasource.url=jdbc:h2:mem:external-endpoints;DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000",
        "camunda.bpm.process-engine-name=externalEndpoints",
        "camunda.bpm.webapp.enabled=false",
        "management.tracing.sampling.probability=1.0",
        "sagaflow.admission.max-concurrent-starts=64",
})
@AutoConfigureObservability
@DirtiesContext
@DisplayName("External identity provider and trace collector")
class ExternalIdentityAndTracingTests {

    private static final HttpServer WORLD = start();
    private static final List<byte[]> EXPORTED = new CopyOnWriteArrayList<>();

    private final TestRestTemplate rest;

    ExternalIdentityAndTracingTests(TestRestTemplate rest) {
        this.rest = rest;
    }

    @DynamicPropertySource
    static void pointAtTheWorld(DynamicPropertyRegistry properties) {
        properties.add("spring.security.oauth2.resourceserver.jwt.issuer-uri", ExternalIdentityAndTracingTests::issuer);
        properties.add("management.otlp.tracing.endpoint", () -> issuer() + "/v1/traces");
    }

    @AfterAll
    static void stopTheWorld() {
        WORLD.stop(0);
    }

    @Test
    @DisplayName("a token of the configured issuer is accepted (its keys found through discovery), another issuer's is not; the saga's spans reach the OTLP endpoint")
    void issuerTokensAndOtlpExport() {
        String token = JwtTokens.signed(JwtTokens.TEST_KEY, issuer(), "shop-service", "sagas:start sagas:read",
                Instant.now(), Instant.now().plusSeconds(300));
        ResponseEntity<String> started = rest.exchange("/api/sagas/trip-booking", HttpMethod.POST,
                new HttpEntity<>(ApiSupport.trip("LIS"), bearer(token)), String.class);
        assertThat(started.getStatusCode()).as("start: %s", started.getBody()).isEqualTo(HttpStatus.ACCEPTED);

        String foreign = JwtTokens.signed(JwtTokens.TEST_KEY, "https://elsewhere.example", "shop-service",
                "sagas:start", Instant.now(), Instant.now().plusSeconds(300));
        assertThat(rest.exchange("/api/sagas/trip-booking", HttpMethod.POST,
                new HttpEntity<>(ApiSupport.trip("LIS"), bearer(foreign)), String.class).getStatusCode())
                .isEqualTo(HttpStatus.UNAUTHORIZED);

        JsonNode saga = read(started.getBody());
        String sagaId = saga.path("sagaId").asText();
        String traceId = await("the saga's trace id").atMost(Duration.ofSeconds(30))
                .until(() -> read(rest.exchange("/api/sagas/" + sagaId, HttpMethod.GET, new HttpEntity<>(bearer(token)),
                        String.class).getBody()).path("traceId").asText(), id -> !id.isBlank());
        byte[] traceIdBytes = HexFormat.of().parseHex(traceId);
        // OTLP/HTTP protobuf carries a span's trace id as its 16 raw bytes.
        await("spans of trace " + traceId + " exported").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                .until(() -> EXPORTED.stream().anyMatch(body -> contains(body, traceIdBytes)));
    }

    private static HttpHeaders bearer(String token) {
        HttpHeaders headers = new HttpHeaders();
        headers.setBearerAuth(token);
        headers.setContentType(MediaType.APPLICATION_JSON);
        return headers;
    }

    private static JsonNode read(String json) {
        try {
            return new ObjectMapper().readTree(json);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }

    private static boolean contains(byte[] body, byte[] part) {
        outer:
        for (int i = 0; i + part.length <= body.length; i++) {
            for (int j = 0; j < part.length; j++) {
                if (body[i + j] != part[j]) {
                    continue outer;
                }
            }
            return true;
        }
        return false;
    }

    private static String issuer() {
        return "http://127.0.0.1:" + WORLD.getAddress().getPort();
    }

    private static HttpServer start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/.well-known/openid-configuration", exchange -> answer(exchange,
                    "{\"issuer\":\"" + issuer(server) + "\",\"jwks_uri\":\"" + issuer(server) + "/jwks\","
                            + "\"subject_types_supported\":[\"public\"],"
                            + "\"id_token_signing_alg_values_supported\":[\"RS256\"]}"));
            server.createContext("/jwks", exchange -> answer(exchange, JwtTokens.publicJwkSet()));
            server.createContext("/v1/traces", exchange -> {
                try (InputStream body = exchange.getRequestBody()) {
                    EXPORTED.add(body.readAllBytes());
                }
                exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, -1);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("cannot start the stand-in identity provider and collector", e);
        }
    }

    private static String issuer(HttpServer server) {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private static void answer(HttpExchange exchange, String json) throws IOException {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }
}
