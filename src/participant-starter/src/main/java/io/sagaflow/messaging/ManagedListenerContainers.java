package io.sagaflow.messaging;

import java.util.List;

import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.context.SmartLifecycle;

/**
 * Listener containers made by {@link ListenerContainers} (not by {@code @RabbitListener}), started
 * and stopped with the application context: after every singleton exists, before it closes.
 */
public final class ManagedListenerContainers implements SmartLifecycle {

    private final List<SimpleMessageListenerContainer> containers;
    private volatile boolean running;

    public ManagedListenerContainers(List<SimpleMessageListenerContainer> containers) {
        this.containers = List.copyOf(containers);
        this.containers.forEach(SimpleMessageListenerContainer::afterPropertiesSet);
    }

    /** The container that consumes {@code queue}, e.g. to stop one participant's consumer. */
    public java.util.Optional<SimpleMessageListenerContainer> consuming(String queue) {
        return containers.stream().filter(container -> List.of(container.getQueueNames()).contains(queue)).findFirst();
    }

    @Override
    public void start() {
        containers.forEach(SimpleMessageListenerContainer::start);
        running = true;
    }

    @Override
    public void stop() {
        containers.forEach(SimpleMessageListenerContainer::stop);
        running = false;
    }

    @Override
    public boolean isRunning() {
        return running;
    }
}
