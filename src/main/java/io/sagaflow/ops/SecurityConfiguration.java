package io.sagaflow.ops;

import java.util.List;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.authorization.Groups;
import org.camunda.bpm.engine.identity.Group;
import org.camunda.bpm.engine.rest.security.auth.ProcessEngineAuthenticationFilter;
import org.camunda.bpm.engine.rest.security.auth.impl.HttpBasicAuthenticationProvider;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.Customizer;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.web.SecurityFilterChain;

/**
 * Nothing is reachable anonymously but health and info, and only Camunda administrators operate
 * the service. Camunda's authorization checks are on ({@code camunda.bpm.authorization.enabled}),
 * so a user outside the admin group cannot use engine-rest or Cockpit to grant itself more.
 *
 * <ul>
 *   <li>{@code /api/**}, Actuator and the OpenAPI pages: HTTP Basic against Camunda's identity
 *       service, stateless, so the credentials are the same as Cockpit's;</li>
 *   <li>{@code /engine-rest/**}: Camunda's own {@link ProcessEngineAuthenticationFilter} with HTTP
 *       Basic (the starter leaves it open by default);</li>
 *   <li>{@code /camunda/**} (Cockpit, Admin, Tasklist): the webapps' own login and CSRF protection.</li>
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
class SecurityConfiguration {

    /** Members of Camunda's admin group (the configured admin user is one) operate Sagaflow. */
    static final String ADMIN_AUTHORITY = "GROUP_" + Groups.CAMUNDA_ADMIN;

    @Bean
    @Order(1)
    SecurityFilterChain apiSecurity(HttpSecurity http) throws Exception {
        return http
                .securityMatcher("/api/**", "/actuator/**", "/v3/api-docs/**", "/swagger-ui/**", "/swagger-ui.html")
                .authorizeHttpRequests(requests -> requests
                        .requestMatchers("/actuator/health", "/actuator/health/**", "/actuator/info").permitAll()
                        .anyRequest().hasAuthority(ADMIN_AUTHORITY))
                .httpBasic(Customizer.withDefaults())
                .csrf(csrf -> csrf.disable()) // stateless Basic auth: no cookie a forged request could ride on
                .sessionManagement(session -> session.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .build();
    }

    /** Cockpit and engine-rest authenticate with Camunda's own filters; Spring Security stays out of the way. */
    @Bean
    @Order(2)
    SecurityFilterChain camundaOwnSecurity(HttpSecurity http) throws Exception {
        return http
                .securityMatcher("/**")
                .authorizeHttpRequests(requests -> requests.anyRequest().permitAll())
                .csrf(csrf -> csrf.disable())
                .headers(headers -> headers.frameOptions(frame -> frame.sameOrigin()))
                .build();
    }

    @Bean
    AuthenticationProvider camundaIdentityAuthentication(IdentityService identities) {
        return new AuthenticationProvider() {
            @Override
            public org.springframework.security.core.Authentication authenticate(
                    org.springframework.security.core.Authentication authentication) {
                String user = authentication.getName();
                String password = String.valueOf(authentication.getCredentials());
                if (!identities.checkPassword(user, password)) {
                    throw new BadCredentialsException("wrong user or password");
                }
                List<SimpleGrantedAuthority> authorities = identities.createGroupQuery().groupMember(user).list()
                        .stream().map(Group::getId).map(group -> new SimpleGrantedAuthority("GROUP_" + group))
                        .toList();
                return UsernamePasswordAuthenticationToken.authenticated(user, null, authorities);
            }

            @Override
            public boolean supports(Class<?> authentication) {
                return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
            }
        };
    }

    @Bean
    FilterRegistrationBean<ProcessEngineAuthenticationFilter> engineRestAuthentication() {
        FilterRegistrationBean<ProcessEngineAuthenticationFilter> registration =
                new FilterRegistrationBean<>(new ProcessEngineAuthenticationFilter());
        registration.setName("camunda-engine-rest-authentication");
        registration.addInitParameter("authentication-provider", HttpBasicAuthenticationProvider.class.getName());
        registration.addUrlPatterns("/engine-rest/*");
        registration.setOrder(101);
        return registration;
    }
}
