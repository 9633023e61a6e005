package io.sagaflow.participant;

import java.util.List;
import java.util.function.Function;

import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.context.SmartLifecycle;

/** Starts and stops one listener container per participant, with the application context. */
final class ParticipantListeners implements SmartLifecycle {

    private final List<SimpleMessageListenerContainer> containers;
    private volatile boolean running;

    ParticipantListeners(List<Participant> participants,
                         Function<Participant, SimpleMessageListenerContainer> containerFactory) {
        this.containers = participants.stream().map(containerFactory).toList();
        this.containers.forEach(SimpleMessageListenerContainer::afterPropertiesSet);
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
