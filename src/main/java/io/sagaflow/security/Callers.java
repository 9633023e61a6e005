package io.sagaflow.security;

import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/** What the current caller may see. */
public final class Callers {

    private Callers() {
    }

    /**
     * The caller's name if it sees only the sagas it started itself (a client); {@code null} if it
     * sees all of them (an operator, or no authenticated caller, as inside the service).
     */
    public static String ownSagasOnly() {
        Authentication caller = SecurityContextHolder.getContext().getAuthentication();
        if (caller == null || !caller.isAuthenticated()) {
            return null;
        }
        String operate = Scopes.authority(Scopes.OPERATE);
        boolean operator = caller.getAuthorities().stream().anyMatch(authority -> operate.equals(authority.getAuthority()));
        return operator ? null : caller.getName();
    }
}
