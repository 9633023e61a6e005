package io.sagaflow.security;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.DelegatingPasswordEncoder;
import org.springframework.security.crypto.password.NoOpPasswordEncoder;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * HTTP Basic for the configured API clients ({@code sagaflow.security.clients}): applications that
 * start and read sagas, with the scopes their configuration gives and never more. They are not
 * Camunda users, so no per-name login lock of Camunda's applies to them; failed attempts are
 * throttled by source address instead ({@link LoginThrottle}). A name that is no configured client
 * is left to the next provider.
 */
final class ApiClientAuthentication implements AuthenticationProvider {

    private final Map<String, SecurityProperties.Client> clients;
    private final PasswordEncoder secrets;

    ApiClientAuthentication(List<SecurityProperties.Client> clients) {
        this.clients = clients.stream().filter(client -> client.id() != null && !client.id().isBlank())
                .collect(Collectors.toUnmodifiableMap(SecurityProperties.Client::id, Function.identity()));
        DelegatingPasswordEncoder encoder = (DelegatingPasswordEncoder) PasswordEncoderFactories
                .createDelegatingPasswordEncoder();
        // A secret without an {encoding} prefix is plain text (an environment variable, say).
        encoder.setDefaultPasswordEncoderForMatches(NoOpPasswordEncoder.getInstance());
        this.secrets = encoder;
    }

    boolean isClient(String name) {
        return clients.containsKey(name);
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        SecurityProperties.Client client = clients.get(authentication.getName());
        if (client == null) {
            return null;
        }
        String secret = String.valueOf(authentication.getCredentials());
        if (client.secret() == null || client.secret().isBlank() || !secrets.matches(secret, client.secret())) {
            throw new BadCredentialsException("wrong client id or secret");
        }
        List<GrantedAuthority> authorities = new ArrayList<>();
        authorities.add(new SimpleGrantedAuthority("ROLE_" + Scopes.CLIENT_ROLE));
        client.scopes().forEach(scope -> authorities.add(new SimpleGrantedAuthority(Scopes.authority(scope))));
        return UsernamePasswordAuthenticationToken.authenticated(client.id(), null, authorities);
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
    }
}
