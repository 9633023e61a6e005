package io.sagaflow.cockpit;

import java.util.Set;

import org.camunda.bpm.cockpit.plugin.spi.impl.AbstractCockpitPlugin;

/**
 * Cockpit's "Saga messages" tab on a process instance and the "Sagaflow" section of its dashboard:
 * the messages half of a saga (step commands, outbox rows, parked messages) next to the engine half,
 * with their repairs. Camunda finds it through {@code META-INF/services}; its front end is the plain
 * ES module {@code plugin-webapp/saga-messages/app/plugin.js} in this jar (no build step).
 */
public class SagaMessagesCockpitPlugin extends AbstractCockpitPlugin {

    public static final String ID = "saga-messages";

    @Override
    public String getId() {
        return ID;
    }

    @Override
    public Set<Class<?>> getResourceClasses() {
        return Set.of(SagaMessagesPluginResource.class);
    }
}
