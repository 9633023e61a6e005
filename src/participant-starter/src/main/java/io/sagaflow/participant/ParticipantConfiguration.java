package io.sagaflow.participant;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.Topology;
import io.sagaflow.messaging.ListenerContainers;
import io.sagaflow.messaging.ManagedListenerContainers;
import org.springframework.amqp.core.Declarable;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Turns every {@link Participant} bean into a durable queue bound to its command types and a
 * consumer that runs the kit's pipeline.
 */
@Configuration(proxyBeanMethods = false)
class ParticipantConfiguration {

    @Bean
    Declarables participantTopology(ObjectProvider<Participant> participants) {
        List<Declarable> declarables = new ArrayList<>();
        TopicExchange commands = new TopicExchange(Topology.COMMANDS_EXCHANGE);
        participants.orderedStream().forEach(participant -> {
            Queue queue = QueueBuilder.durable(participant.queue()).build();
            declarables.add(queue);
            participant.commandTypes().forEach(type ->
                    declarables.add(org.springframework.amqp.core.BindingBuilder.bind(queue).to(commands).with(type)));
        });
        return new Declarables(declarables);
    }

    @Bean
    ManagedListenerContainers participantListeners(ObjectProvider<Participant> participants,
                                                   ListenerContainers containers, Barrier barrier, Replies replies,
                                                   TechnicalFailureReplies failures, ObjectMapper objectMapper) {
        // One listener container per participant.
        return new ManagedListenerContainers(participants.orderedStream().map(participant -> containers.create(
                participant.name(), participant.queue(),
                new CommandDispatcher(participant, barrier, replies, objectMapper),
                failures.recovererFor(participant))).toList());
    }
}
