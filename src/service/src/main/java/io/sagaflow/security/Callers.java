package io.sagaflow.security;

import java.util.List;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/** What the current caller may see. */
public final class Callers {

    private Callers() {
    }

    /**
     * The caller's name if it sees only the sagas it started itself (a client); {@code null} if it
     * sees all of them (an operator or viewer, or no authenticated caller, as inside the service).
     */
    public static String ownSagasOnly() {
        Authentication caller = SecurityContextHolder.getContext().getAuthentication();
        if (caller == null || !caller.isAuthenticated()) {
            return null;
        }
        List<String> seeAll = List.of(Scopes.authority(Scopes.OPERATE), Scopes.authority(Scopes.READ_ALL));
        boolean operator = caller.getAuthorities().stream().anyMatch(authority -> seeAll.contains(authority.getAuthority()));
        return operator ? null : caller.getName();
    }
}
