package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.IntegrationTest;

/**
 * No lockout by strangers: while one source floods wrong passwords for the operator's name and bad
 * bearer tokens, a correctly authenticated client keeps starting sagas and the operator keeps
 * operating; the flooding source gets 429 with Retry-After. The flood comes from 127.0.0.2 (its
 * sockets are bound there), everyone else from 127.0.0.1, so "by source" is a real difference.
 */
@IntegrationTest
@DisplayName("Login flood")
class LoginFloodIntegrationTests {

    private static final Duration FLOOD = Duration.ofSeconds(Integer.getInteger("sagaflow.flood.seconds", 20));
    private static final Duration CLIENT_INTERVAL = Duration.ofMillis(500);
    private static final Duration FLOOD_INTERVAL = Duration.ofMillis(50);

    private final ApiSupport api;
    /** Without credentials: the client's are set per request. */
    private final TestRestTemplate rest;
    private final MeterRegistry meters;
    @LocalServerPort
    private int port;
    @Value("${sagaflow.security.clients[0].id}")
    private String clientId;
    @Value("${sagaflow.security.clients[0].secret}")
    private String clientSecret;

    LoginFloodIntegrationTests(ApiSupport api, TestRestTemplate rest, MeterRegistry meters) {
        this.api = api;
        this.rest = rest;
        this.meters = meters;
    }

    /** One answer to the flooding source. */
    private record Answer(int status, String retryAfter) {
    }

    @Test
    @DisplayName("a flood of wrong passwords for the operator from one source refuses neither the client nor the operator")
    void floodFromOneSourceLocksNobodyOut() throws Exception {
        String sku = api.freshSku(10_000);
        double failuresBefore = counter("sagaflow.security.authentication.failures");
        AtomicBoolean flooding = new AtomicBoolean(true);
        CompletableFuture<List<Answer>> flood = CompletableFuture.supplyAsync(() -> flood(flooding));

        List<HttpStatus> clientStarts = new ArrayList<>();
        List<HttpStatus> operatorReads = new ArrayList<>();
        long end = System.nanoTime() + FLOOD.toNanos();
        while (System.nanoTime() < end) {
            long next = System.nanoTime() + CLIENT_INTERVAL.toNanos();
            ResponseEntity<String> started = rest.withBasicAuth(clientId, clientSecret).postForEntity("/api/orders",
                    Map.of("customerId", ApiSupport.fresh("customer"), "sku", sku, "quantity", 1,
                            "amount", new BigDecimal("3.00"), "country", "DE"), String.class);
            clientStarts.add(HttpStatus.valueOf(started.getStatusCode().value()));
            operatorReads.add(HttpStatus.valueOf(api.rest().getForEntity("/api/parked-messages", String.class).getStatusCode().value()));
            LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
        }
        flooding.set(false);
        List<Answer> floodAnswers = flood.get();

        long accepted = clientStarts.stream().filter(HttpStatus.ACCEPTED::equals).count();
        long operated = operatorReads.stream().filter(HttpStatus.OK::equals).count();
        long throttled = floodAnswers.stream().filter(answer -> answer.status() == 429).count();
        System.out.printf("[flood] %d s: client starts accepted %d of %d, operator reads %d of %d; flood requests %d, "
                        + "401 %d, 429 %d%n", FLOOD.toSeconds(), accepted, clientStarts.size(), operated,
                operatorReads.size(), floodAnswers.size(),
                floodAnswers.stream().filter(answer -> answer.status() == 401).count(), throttled);

        assertThat(clientStarts).hasSizeGreaterThanOrEqualTo((int) (FLOOD.toMillis() / CLIENT_INTERVAL.toMillis()) / 2);
        assertThat((double) accepted / clientStarts.size()).as("client starts accepted: %s", clientStarts)
                .isGreaterThanOrEqualTo(0.95);
        assertThat((double) operated / operatorReads.size()).as("operator reads served: %s", operatorReads)
                .isGreaterThanOrEqualTo(0.95);
        assertThat(throttled).as("429s to the flooding source").isPositive();
        assertThat(floodAnswers).filteredOn(answer -> answer.status() == 429)
                .allSatisfy(answer -> assertThat(Long.parseLong(answer.retryAfter())).isPositive());
        assertThat(floodAnswers).as("the flood never got in").noneMatch(answer -> answer.status() / 100 == 2);
        assertThat(counter("sagaflow.security.authentication.failures") - failuresBefore)
                .as("failed authentications counted").isGreaterThan(0);
    }

    /** Wrong passwords for the operator and forged bearer tokens, in turn, from 127.0.0.2. */
    private List<Answer> flood(AtomicBoolean flooding) {
        List<Answer> answers = new ArrayList<>();
        int attempt = 0;
        while (flooding.get()) {
            long next = System.nanoTime() + FLOOD_INTERVAL.toNanos();
            String authorization = attempt % 2 == 0
                    ? "Basic " + Base64.getEncoder().encodeToString((api.adminUser() + ":guess-" + attempt)
                            .getBytes(StandardCharsets.UTF_8))
                    : "Bearer forged.token." + attempt;
            String path = attempt % 3 == 0 ? "/engine-rest/process-definition" : "/api/sagas?size=1";
            answers.add(getFrom127002(path, authorization));
            attempt++;
            LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
        }
        return answers;
    }

    /** A plain HTTP/1.1 GET over a socket bound to 127.0.0.2 (Java 17's HttpClient cannot pick its source). */
    private Answer getFrom127002(String path, String authorization) {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port, InetAddress.getByName("127.0.0.2"), 0)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + authorization
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            int status = Integer.parseInt(in.readLine().split(" ")[1]);
            String retryAfter = null;
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                if (line.toLowerCase(Locale.ROOT).startsWith("retry-after:")) {
                    retryAfter = line.substring("retry-after:".length()).trim();
                }
            }
            return new Answer(status, retryAfter);
        } catch (IOException e) {
            throw new IllegalStateException("flood request failed", e);
        }
    }

    private double counter(String name) {
        var counter = meters.find(name).counter();
        return counter == null ? 0 : counter.count();
    }
}
