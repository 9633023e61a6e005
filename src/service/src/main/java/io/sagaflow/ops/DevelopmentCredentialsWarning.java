package io.sagaflow.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * The embedded mode falls back to admin/admin and the API client client/client so that it runs
 * with no setup; say so loudly. The
 * prod profile has no fallback: without SAGAFLOW_ADMIN_USER / SAGAFLOW_ADMIN_PASSWORD it does not start.
 */
@Component
class DevelopmentCredentialsWarning {

    private static final Logger log = LoggerFactory.getLogger(DevelopmentCredentialsWarning.class);

    private final Environment environment;

    DevelopmentCredentialsWarning(Environment environment) {
        this.environment = environment;
    }

    @EventListener(ApplicationReadyEvent.class)
    void warnAboutDevelopmentDefaults() {
        if (!environment.containsProperty("SAGAFLOW_ADMIN_USER")
                || !environment.containsProperty("SAGAFLOW_ADMIN_PASSWORD")) {
            log.warn("Using the development admin credentials of the embedded mode (admin/admin). "
                    + "Set SAGAFLOW_ADMIN_USER and SAGAFLOW_ADMIN_PASSWORD for anything but a local trial.");
        }
        if ("client".equals(environment.getProperty("sagaflow.security.clients[0].id"))
                && "client".equals(environment.getProperty("sagaflow.security.clients[0].secret"))) {
            log.warn("Using the development API client of the embedded mode (client/client). Set "
                    + "SAGAFLOW_CLIENT_ID and SAGAFLOW_CLIENT_SECRET, or use OAuth2 bearer tokens, for anything else.");
        }
    }
}
