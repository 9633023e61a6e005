package io.sagaflow.security;

import java.util.ArrayList;
import java.util.List;

import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.authorization.Groups;
import org.camunda.bpm.engine.identity.Group;
import org.camunda.bpm.engine.identity.User;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.persistence.entity.UserEntity;
import org.camunda.bpm.engine.impl.util.EncryptionUtil;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;

/**
 * HTTP Basic for operators: Camunda users, so Cockpit and the API share one account. The password
 * is checked against Camunda's stored hash directly, not through {@code IdentityService.checkPassword},
 * whose lock and delay per user name let anyone who knows an operator's name lock that operator out
 * of the API with wrong passwords. Here failed attempts are throttled by source address
 * ({@link LoginThrottle}); Camunda's own protection stays on its webapps' login form.
 *
 * <p>Members of {@code camunda-admin} get the {@value Scopes#ADMIN_ROLE} role, members of
 * {@value Scopes#OPERATOR_GROUP} the {@value Scopes#OPERATOR_ROLE} role, both with every scope; members
 * of {@value Scopes#VIEWER_GROUP} the {@value Scopes#VIEWER_ROLE} role (read every saga); any other
 * Camunda user authenticates but may do nothing here.
 */
final class OperatorAuthentication implements AuthenticationProvider {

    private final IdentityService identities;
    private final ProcessEngine engine;
    private final ApiClientAuthentication clients;

    OperatorAuthentication(IdentityService identities, ProcessEngine engine, ApiClientAuthentication clients) {
        this.identities = identities;
        this.engine = engine;
        this.clients = clients;
    }

    @Override
    public Authentication authenticate(Authentication authentication) {
        String name = authentication.getName();
        if (clients.isClient(name)) {
            return null; // a client's name is never also an operator's
        }
        String password = String.valueOf(authentication.getCredentials());
        User user = identities.createUserQuery().userId(name).singleResult();
        if (!(user instanceof UserEntity stored) || stored.getPassword() == null || !passwordMatches(password, stored)) {
            throw new BadCredentialsException("wrong user or password");
        }
        List<String> groups = identities.createGroupQuery().groupMember(name).list().stream().map(Group::getId).toList();
        List<GrantedAuthority> authorities = new ArrayList<>();
        groups.forEach(group -> authorities.add(new SimpleGrantedAuthority("GROUP_" + group)));
        if (groups.contains(Groups.CAMUNDA_ADMIN)) {
            authorities.add(new SimpleGrantedAuthority("ROLE_" + Scopes.ADMIN_ROLE));
        }
        if (groups.contains(Groups.CAMUNDA_ADMIN) || groups.contains(Scopes.OPERATOR_GROUP)) {
            authorities.add(new SimpleGrantedAuthority("ROLE_" + Scopes.OPERATOR_ROLE));
            Scopes.OPERATOR_SCOPES.forEach(scope -> authorities.add(new SimpleGrantedAuthority(Scopes.authority(scope))));
        } else if (groups.contains(Scopes.VIEWER_GROUP)) {
            authorities.add(new SimpleGrantedAuthority("ROLE_" + Scopes.VIEWER_ROLE));
            Scopes.VIEWER_SCOPES.forEach(scope -> authorities.add(new SimpleGrantedAuthority(Scopes.authority(scope))));
        }
        return UsernamePasswordAuthenticationToken.authenticated(name, null, authorities);
    }

    private boolean passwordMatches(String password, UserEntity user) {
        ProcessEngineConfigurationImpl configuration =
                (ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration();
        return configuration.getPasswordManager().check(EncryptionUtil.saltPassword(password, user.getSalt()),
                user.getPassword());
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(authentication);
    }
}
