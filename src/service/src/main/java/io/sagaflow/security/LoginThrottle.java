package io.sagaflow.security;

import java.io.IOException;
import java.time.Duration;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.web.ProblemResponses;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Throttles failed authentications by source address, not by user name: a source that failed
 * {@code sagaflow.security.login-throttle.max-failures} times within the window gets 429
 * problem+json with {@code Retry-After} for every request until the window lets one more attempt
 * through, while every other source, including legitimate callers of the same account, carries on.
 * A failure is a 401 to a request that carried credentials (an {@code Authorization} header, or the
 * webapps' login form); a request without any is a challenge, not an attempt.
 *
 * <p>The source is {@code request.getRemoteAddr()}: behind a reverse proxy, set
 * {@code server.forward-headers-strategy=native} so it is the client's address, not the proxy's.
 * Counted in {@code sagaflow.security.authentication.failures} and {@code sagaflow.security.throttled}.
 */
final class LoginThrottle extends OncePerRequestFilter {

    private final SecurityProperties.LoginThrottle settings;
    private final ObjectMapper objectMapper;
    private final Cache<String, Bucket> failuresBySource;
    private final Counter failures;
    private final Counter throttled;

    LoginThrottle(SecurityProperties.LoginThrottle settings, ObjectMapper objectMapper, MeterRegistry meters) {
        this.settings = settings;
        this.objectMapper = objectMapper;
        this.failuresBySource = Caffeine.newBuilder().maximumSize(settings.trackedSources())
                .expireAfterAccess(settings.window().multipliedBy(2)).build();
        this.failures = Counter.builder("sagaflow.security.authentication.failures")
                .description("Requests with credentials that failed to authenticate").register(meters);
        this.throttled = Counter.builder("sagaflow.security.throttled")
                .description("Requests refused with 429 because their source failed to authenticate too often")
                .register(meters);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String source = request.getRemoteAddr();
        Bucket attempts = failuresBySource.getIfPresent(source);
        if (attempts != null && attempts.getAvailableTokens() < 1) {
            throttled.increment();
            long waitNanos = attempts.estimateAbilityToConsume(1).getNanosToWaitForRefill();
            long retryAfterSeconds = Math.max(1, Duration.ofNanos(waitNanos).toSeconds() + 1);
            response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(retryAfterSeconds));
            ProblemResponses.write(objectMapper, request, response, HttpStatus.TOO_MANY_REQUESTS,
                    "too many failed authentications from this address; retry after " + retryAfterSeconds + " s");
            return;
        }
        chain.doFilter(request, response);
        if (response.getStatus() == HttpStatus.UNAUTHORIZED.value() && carriesCredentials(request)) {
            failures.increment();
            failuresBySource.get(source, unused -> newBucket()).tryConsume(1);
        }
    }

    private Bucket newBucket() {
        return Bucket.builder().addLimit(Bandwidth.builder().capacity(settings.maxFailures())
                .refillGreedy(settings.maxFailures(), settings.window()).build()).build();
    }

    private static boolean carriesCredentials(HttpServletRequest request) {
        String uri = request.getRequestURI();
        return request.getHeader(HttpHeaders.AUTHORIZATION) != null
                || (uri.contains("/auth/user/") && uri.contains("/login/"));
    }
}
