package io.sagaflow.security;

import java.time.Duration;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * {@code sagaflow.security.*}: the API clients that authenticate with HTTP Basic, and the throttle
 * of failed logins. JWT clients are configured with Spring's standard
 * {@code spring.security.oauth2.resourceserver.jwt.*} properties (issuer, JWK set or public key).
 *
 * @param clients applications that start and read sagas with HTTP Basic; never operators
 * @param loginThrottle failed authentications allowed per source address
 * @param readPaths more GET paths (Spring path patterns, e.g. {@code /api/crm/accounts/*}) a client
 *     with the read scope may call: a participant's own read-only endpoints; anything not listed needs
 *     the operate scope
 */
@Validated
@ConfigurationProperties("sagaflow.security")
public record SecurityProperties(@DefaultValue List<@Valid Client> clients,
                                 @DefaultValue @Valid LoginThrottle loginThrottle,
                                 @DefaultValue List<String> readPaths) {

    /**
     * @param id the HTTP Basic user name; an entry with a blank id is ignored (so an unset
     *     environment variable configures no client)
     * @param secret the password: plain text, or a Spring Security encoded form such as
     *     {@code {bcrypt}$2a$10$...}
     * @param scopes what the client may do (default: start and read sagas)
     */
    public record Client(String id, String secret, List<String> scopes) {
        public Client {
            scopes = scopes == null || scopes.isEmpty() ? Scopes.CLIENT_SCOPES : List.copyOf(scopes);
        }
    }

    /**
     * @param maxFailures failed authentications a source address may make per {@code window}; then
     *     every request of it answers 429 until the window lets one more through
     * @param window the time over which {@code maxFailures} refill
     * @param trackedSources at most this many source addresses are remembered (least recent dropped)
     */
    public record LoginThrottle(@DefaultValue("10") @Min(1) int maxFailures,
                                @DefaultValue("PT1M") @NotNull Duration window,
                                @DefaultValue("100000") @Min(100) int trackedSources) {
    }
}
