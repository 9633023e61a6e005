package io.sagaflow.security;

import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.web.ProblemResponses;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.rest.security.auth.ProcessEngineAuthenticationFilter;
import org.camunda.bpm.engine.rest.security.auth.impl.ContainerBasedAuthenticationProvider;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.web.BearerTokenAuthenticationEntryPoint;
import org.springframework.security.oauth2.server.resource.web.access.BearerTokenAccessDeniedHandler;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.util.matcher.AntPathRequestMatcher;

/**
 * Who may reach what ({@link Scopes} has the roles and their scopes). Nothing is anonymous but
 * health, info and Camunda's engine list; refusals answer problem+json.
 *
 * <ul>
 *   <li>{@code /api/**}, Actuator, OpenAPI: HTTP Basic (configured API clients, or operators, who are
 *       Camunda users) and, when {@code spring.security.oauth2.resourceserver.jwt.*} is set, OAuth2
 *       bearer tokens (JWT) whose {@code scope} claim carries the scopes; stateless;</li>
 *   <li>{@code /engine-rest/**}: the same authentication, then the {@value Scopes#OPERATE} scope, then
 *       Camunda's own filter, which takes the authenticated user from Spring Security (container-based)
 *       so Camunda's authorization checks still apply per user;</li>
 *   <li>{@code /camunda/**} (Cockpit, Admin, Tasklist): the webapps' own login, CSRF and throttling.</li>
 * </ul>
 * Failed authentications are throttled by source address on all of them ({@link LoginThrottle}).
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    private static final String START = Scopes.authority(Scopes.START);
    private static final String READ = Scopes.authority(Scopes.READ);
    private static final String OPERATE = Scopes.authority(Scopes.OPERATE);

    private final ObjectMapper objectMapper;
    private final JwtDecoder jwtDecoder;

    SecurityConfiguration(ObjectMapper objectMapper, ObjectProvider<JwtDecoder> jwtDecoder) {
        this.objectMapper = objectMapper;
        this.jwtDecoder = jwtDecoder.getIfAvailable();
    }

    @Bean
    AuthenticationManager sagaflowAuthentication(SecurityProperties properties, IdentityService identities,
                                                 ProcessEngine engine) {
        ApiClientAuthentication clients = new ApiClientAuthentication(properties.clients());
        ProviderManager manager = new ProviderManager(clients, new OperatorAuthentication(identities, engine, clients));
        manager.setEraseCredentialsAfterAuthentication(true);
        return manager;
    }

    @Bean
    @Order(1)
    SecurityFilterChain apiSecurity(HttpSecurity http, AuthenticationManager sagaflowAuthentication,
                                    SecurityProperties properties) throws Exception {
        http.securityMatcher("/api/**", "/actuator/**", "/v3/api-docs/**", "/swagger-ui/**", "/swagger-ui.html")
                .authorizeHttpRequests(rules -> apiRules(rules, properties.readPaths()));
        return statelessWithBasicAndJwt(http, sagaflowAuthentication).build();
    }

    /**
     * The permissions of every endpoint; anything not listed needs {@value Scopes#OPERATE}. A
     * participant's own read endpoints join the read list with {@code sagaflow.security.read-paths}.
     */
    private static void apiRules(AuthorizeHttpRequestsConfigurer<HttpSecurity>.AuthorizationManagerRequestMatcherRegistry rules,
                                 List<String> readPaths) {
        if (!readPaths.isEmpty()) {
            rules.requestMatchers(HttpMethod.GET, readPaths.toArray(String[]::new)).hasAuthority(READ);
        }
        rules.requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/info").permitAll()
                // Before the start and read rules their paths would match: migrating sagas is operating.
                .requestMatchers("/api/sagas/migrations", "/api/sagas/migrations/**").hasAuthority(OPERATE)
                .requestMatchers(HttpMethod.POST, "/api/sagas/*/abort").hasAuthority(OPERATE)
                .requestMatchers(HttpMethod.POST, "/api/sagas/*", "/api/sagas/*/events/*", "/api/orders",
                        "/api/examples/shop/orders",
                        "/api/tx-messages", "/api/tx-messages/*/commit", "/api/tx-messages/*/rollback")
                .hasAuthority(START)
                .requestMatchers(HttpMethod.GET, "/api/sagas", "/api/sagas/*", "/api/sagas/*/messages",
                        "/api/tx-messages/*",
                        "/api/examples/stock/*", "/api/examples/ledger/*", "/api/examples/shipments",
                        "/api/examples/cars", "/api/examples/hotels", "/api/examples/flights",
                        "/api/examples/shop/orders/*", "/v3/api-docs", "/v3/api-docs/**", "/swagger-ui/**",
                        "/swagger-ui.html")
                .hasAuthority(READ)
                .anyRequest().hasAuthority(OPERATE);
    }

    @Bean
    @Order(2)
    SecurityFilterChain engineRestSecurity(HttpSecurity http, AuthenticationManager sagaflowAuthentication)
            throws Exception {
        // Path matchers, not MVC ones: engine-rest is Camunda's Jersey servlet, not Spring MVC.
        http.securityMatcher(new AntPathRequestMatcher("/engine-rest/**"))
                .authorizeHttpRequests(rules -> rules
                        // Camunda exempts it from authentication by design: it lists engine names only.
                        .requestMatchers(new AntPathRequestMatcher("/engine-rest/engine", HttpMethod.GET.name()))
                        .permitAll()
                        .anyRequest().hasAuthority(OPERATE));
        return statelessWithBasicAndJwt(http, sagaflowAuthentication).build();
    }

    /** Cockpit and the other webapps authenticate with Camunda's own login; Spring Security stays out. */
    @Bean
    @Order(3)
    SecurityFilterChain camundaWebapps(HttpSecurity http) throws Exception {
        return http
                .securityMatcher("/**")
                .authorizeHttpRequests(requests -> requests.anyRequest().permitAll())
                .csrf(csrf -> csrf.disable())
                .headers(headers -> headers.frameOptions(frame -> frame.sameOrigin()))
                .build();
    }

    private HttpSecurity statelessWithBasicAndJwt(HttpSecurity http, AuthenticationManager authentication)
            throws Exception {
        http.authenticationManager(authentication)
                .httpBasic(basic -> basic.authenticationEntryPoint(problemEntryPoint()))
                .exceptionHandling(errors -> errors.authenticationEntryPoint(problemEntryPoint())
                        .accessDeniedHandler(problemAccessDenied()))
                .csrf(csrf -> csrf.disable()) // stateless: no cookie a forged request could ride on
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS));
        if (jwtDecoder != null) {
            // Its own manager: the shared one (HTTP Basic's) knows no bearer tokens. Scopes become
            // SCOPE_ authorities, as Scopes expects.
            ProviderManager bearerTokens = new ProviderManager(new JwtAuthenticationProvider(jwtDecoder));
            http.oauth2ResourceServer(resourceServer -> resourceServer
                    .jwt(jwt -> jwt.authenticationManager(bearerTokens))
                    .authenticationEntryPoint(problemEntryPoint())
                    .accessDeniedHandler(problemAccessDenied()));
        }
        return http;
    }

    /** 401 problem+json with the challenge(s) a client can answer. */
    private AuthenticationEntryPoint problemEntryPoint() {
        BearerTokenAuthenticationEntryPoint bearer = new BearerTokenAuthenticationEntryPoint();
        return (request, response, failure) -> {
            if (isBearer(request.getHeader(HttpHeaders.AUTHORIZATION))) {
                bearer.commence(request, response, failure); // WWW-Authenticate: Bearer error="invalid_token", ...
            } else {
                response.addHeader(HttpHeaders.WWW_AUTHENTICATE, "Basic realm=\"sagaflow\"");
                if (jwtDecoder != null) {
                    response.addHeader(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
                }
            }
            ProblemResponses.write(objectMapper, request, response, HttpStatus.UNAUTHORIZED,
                    "authentication required: " + failure.getMessage());
        };
    }

    /** 403 problem+json naming what is missing. */
    private AccessDeniedHandler problemAccessDenied() {
        BearerTokenAccessDeniedHandler bearer = new BearerTokenAccessDeniedHandler();
        return (request, response, denied) -> {
            if (isBearer(request.getHeader(HttpHeaders.AUTHORIZATION))) {
                bearer.handle(request, response, denied); // WWW-Authenticate: Bearer error="insufficient_scope"
            }
            ProblemResponses.write(objectMapper, request, response, HttpStatus.FORBIDDEN,
                    request.getMethod() + " " + request.getRequestURI() + " needs a scope this caller does not have "
                            + "(docs/operations.md, \"Who may do what\")");
        };
    }

    private static boolean isBearer(String authorization) {
        return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7);
    }

    @Bean
    FilterRegistrationBean<LoginThrottle> loginThrottle(SecurityProperties properties, MeterRegistry meters) {
        FilterRegistrationBean<LoginThrottle> registration =
                new FilterRegistrationBean<>(new LoginThrottle(properties.loginThrottle(), objectMapper, meters));
        registration.addUrlPatterns("/api/*", "/actuator/*", "/engine-rest/*", "/camunda/api/*", "/v3/api-docs/*",
                "/swagger-ui/*");
        // Around Spring Security (-100), so it sees the 401 its entry points answer.
        registration.setOrder(org.springframework.boot.autoconfigure.security.SecurityProperties.DEFAULT_FILTER_ORDER - 10);
        return registration;
    }

    @Bean
    FilterRegistrationBean<ProcessEngineAuthenticationFilter> engineRestAuthentication() {
        FilterRegistrationBean<ProcessEngineAuthenticationFilter> registration =
                new FilterRegistrationBean<>(new ProcessEngineAuthenticationFilter());
        registration.setName("camunda-engine-rest-authentication");
        registration.addInitParameter("authentication-provider", ContainerBasedAuthenticationProvider.class.getName());
        registration.addUrlPatterns("/engine-rest/*");
        registration.setOrder(101);
        return registration;
    }
}
