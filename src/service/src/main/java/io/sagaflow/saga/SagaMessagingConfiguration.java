package io.sagaflow.saga;

import io.sagaflow.admission.Admission;
import io.sagaflow.contract.Topology;
import io.sagaflow.messaging.ListenerContainers;
import io.sagaflow.roles.ConditionalOnOrchestratorRole;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.MessageListener;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The orchestrator's reply queue and its consumer. Replies may be consumed by any orchestrator
 * instance; every instance declares the queue, so a participant's reply is routable from the start.
 */
@Configuration(proxyBeanMethods = false)
class SagaMessagingConfiguration {

    private static final String CONSUMER = "orchestrator";

    @Bean
    Declarables orchestratorTopology() {
        Queue replies = QueueBuilder.durable(Topology.ORCHESTRATOR_REPLIES_QUEUE).build();
        Binding binding = BindingBuilder.bind(replies)
                .to(new DirectExchange(Topology.REPLIES_EXCHANGE)).with(Topology.ORCHESTRATOR_REPLY_KEY);
        // Saga-end events go here; declared by every instance, so they never meet a missing exchange.
        TopicExchange events = new TopicExchange(Topology.EVENTS_EXCHANGE, true, false);
        // The commands of sub-saga steps: the orchestrator is their participant (SubSagas).
        Queue subSagas = QueueBuilder.durable(Topology.SUB_SAGAS_QUEUE).build();
        Binding subSagaCommands = BindingBuilder.bind(subSagas)
                .to(new TopicExchange(Topology.COMMANDS_EXCHANGE)).with("sagaflow.saga.*");
        // Events a waiting saga is sent (AwaitedEvents).
        TopicExchange sagaEventsExchange = new TopicExchange(Topology.SAGA_EVENTS_EXCHANGE, true, false);
        Queue sagaEvents = QueueBuilder.durable(Topology.SAGA_EVENTS_QUEUE).build();
        Binding sagaEventsBinding = BindingBuilder.bind(sagaEvents).to(sagaEventsExchange).with("#");
        return new Declarables(replies, binding, events, subSagas, subSagaCommands, sagaEventsExchange, sagaEvents,
                sagaEventsBinding);
    }

    @Bean
    @ConditionalOnOrchestratorRole
    SimpleMessageListenerContainer awaitedEventListener(ListenerContainers containers, AwaitedEvents awaitedEvents) {
        return containers.create(AwaitedEvents.CONSUMER, Topology.SAGA_EVENTS_QUEUE, awaitedEvents,
                containers.parkingRecoverer(AwaitedEvents.CONSUMER));
    }

    @Bean
    @ConditionalOnOrchestratorRole
    SimpleMessageListenerContainer subSagaListener(ListenerContainers containers, SubSagas subSagas) {
        return containers.create(SubSagas.CONSUMER, Topology.SUB_SAGAS_QUEUE, subSagas,
                containers.parkingRecoverer(SubSagas.CONSUMER));
    }

    @Bean
    @ConditionalOnOrchestratorRole
    SimpleMessageListenerContainer replyListener(ListenerContainers containers, ReplyCorrelator correlator,
                                                 SagaProperties properties, Admission admission) {
        SimpleMessageListenerContainer listener = containers.create(CONSUMER, Topology.ORCHESTRATOR_REPLIES_QUEUE,
                correlator, containers.parkingRecoverer(CONSUMER));
        // Admission reads how long a consumer is busy with a reply.
        listener.setMessageListener(admission.timingReplies((MessageListener) listener.getMessageListener()));
        // Few replies per consumer taken ahead: the rest wait in the queue, where admission counts
        // them (a prefetched reply is invisible to a queue's message count).
        listener.setPrefetchCount(properties.replyPrefetch());
        return listener;
    }
}
