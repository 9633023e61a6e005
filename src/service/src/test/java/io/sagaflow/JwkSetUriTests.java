package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
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
 * README: JWT clients can also be trusted through a JWK set URI alone (no discovery), as
 * {@code SPRING_SECURITY_OAUTH2_RESOURCESERVER_JWT_JWK_SET_URI} configures it; a token signed by
 * another key is refused. Own context, closed afterwards ({@link ExternalIdentityAndTracingTests}
 * covers the issuer URI).
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "sagaflow.embedded-broker.port=0",
        "spring.datasource.url=jdbc:h2:mem:jwk-set;DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000",
        "camunda.bpm.process-engine-name=jwkSet",
        "camunda.bpm.webapp.enabled=false",
})
@DirtiesContext
@DisplayName("JWT clients through a JWK set URI")
class JwkSetUriTests {

    private static final HttpServer KEYS = start();

    private final TestRestTemplate rest;

    JwkSetUriTests(TestRestTemplate rest) {
        this.rest = rest;
    }

    @DynamicPropertySource
    static void keys(DynamicPropertyRegistry properties) {
        properties.add("spring.security.oauth2.resourceserver.jwt.jwk-set-uri",
                () -> "http://127.0.0.1:" + KEYS.getAddress().getPort() + "/jwks");
    }

    @AfterAll
    static void stop() {
        KEYS.stop(0);
    }

    @Test
    @DisplayName("a token signed with a key of the set starts a saga; one signed by another key is 401")
    void keysFromTheSet() {
        Instant now = Instant.now();
        ResponseEntity<String> started = start(JwtTokens.signed(JwtTokens.TEST_KEY, "shop-service", "sagas:start",
                now, now.plusSeconds(300)));
        assertThat(started.getStatusCode()).as("%s", started.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(start(JwtTokens.signed(JwtTokens.STRANGER_KEY, "shop-service", "sagas:start", now,
                now.plusSeconds(300))).getStatusCode()).isEqualTo(HttpStatus.UNAUTHORIZED);
    }

    private ResponseEntity<String> start(String token) {
        HttpHeaders headers = new HttpHeaders();
        headers.setBearerAuth(token);
        headers.setContentType(MediaType.APPLICATION_JSON);
        return rest.exchange("/api/sagas/trip-booking", HttpMethod.POST, new HttpEntity<>(ApiSupport.trip("LIS"), headers),
                String.class);
    }

    private static HttpServer start() {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/jwks", exchange -> {
                byte[] body = JwtTokens.publicJwkSet().getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                exchange.getResponseBody().write(body);
                exchange.close();
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new IllegalStateException("cannot serve the JWK set", e);
        }
    }
}
