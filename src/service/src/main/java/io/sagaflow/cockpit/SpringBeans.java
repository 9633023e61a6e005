package io.sagaflow.cockpit;

import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationContextAware;
import org.springframework.stereotype.Component;

/**
 * Camunda's webapp creates plugin resources with JAX-RS, outside Spring; this hands them the
 * application's beans. Set once when the context starts; only where the webapps (Cockpit) run, so
 * a context without them in the same JVM (a test's) never replaces the one Cockpit uses.
 */
@Component
@ConditionalOnProperty(name = "camunda.bpm.webapp.enabled", havingValue = "true", matchIfMissing = true)
class SpringBeans implements ApplicationContextAware {

    private static volatile ApplicationContext context;

    @Override
    public void setApplicationContext(ApplicationContext applicationContext) {
        context = applicationContext;
    }

    static <T> T get(Class<T> type) {
        ApplicationContext current = context;
        if (current == null) {
            throw new IllegalStateException("the Spring context is not started yet");
        }
        return current.getBean(type);
    }
}
