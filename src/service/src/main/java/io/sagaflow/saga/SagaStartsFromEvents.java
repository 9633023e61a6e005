package io.sagaflow.saga;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.admission.Admission;
import io.sagaflow.errors.DomainException;
import io.sagaflow.messaging.InboundMessage;
import io.sagaflow.messaging.ListenerContainers;
import io.sagaflow.messaging.ManagedListenerContainers;
import io.sagaflow.messaging.PoisonMessageException;
import io.sagaflow.messaging.TransactionalConsumer;
import io.sagaflow.roles.ConditionalOnOrchestratorRole;
import org.springframework.amqp.core.Binding;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Declarable;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Starts sagas from committed events ({@code sagaflow.saga.start-on-events}): one durable queue per
 * entry, bound to its exchange and routing key, consumed by the orchestrator only. The event's JSON
 * fields are the saga's input. The start and the inbox row (keyed by the event's message id) commit
 * together, so a redelivered event starts nothing; the business key is the model's business-key
 * variable, so a second event for the same business key (another message id) starts nothing either,
 * as a second REST start would not: with the same input it is acknowledged, with other input it is
 * parked naming the saga. An event that is not a JSON object or lacks a required field is parked.
 *
 * <p>This is how a participant (the example shop) starts a saga: by publishing an event, never by
 * calling {@link Sagas} in-process.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnOrchestratorRole
class SagaStartsFromEvents {

    @Bean
    Declarables sagaStartTopology(SagaProperties properties) {
        List<Declarable> declarables = new ArrayList<>();
        for (SagaProperties.StartOnEvent start : properties.startOnEvents()) {
            TopicExchange exchange = new TopicExchange(start.exchange(), true, false);
            Queue queue = QueueBuilder.durable(start.queue()).build();
            Binding binding = BindingBuilder.bind(queue).to(exchange).with(start.routingKey());
            declarables.addAll(List.of(exchange, queue, binding));
        }
        return new Declarables(declarables);
    }

    @Bean
    ManagedListenerContainers sagaStartListeners(SagaProperties properties, ListenerContainers containers, Sagas sagas,
                                                 ObjectMapper objectMapper, Admission admission) {
        // While the service sheds load, an event waits in its queue (unacknowledged, no more than the
        // prefetch taken) instead of starting a saga the service cannot finish in time.
        List<SimpleMessageListenerContainer> listeners = properties.startOnEvents().stream()
                .map(start -> containers.create(start.consumer(), start.queue(), new Starter(start, sagas, objectMapper),
                        containers.parkingRecoverer(start.consumer()), admission.startAdvice()))
                .toList();
        return new ManagedListenerContainers(listeners);
    }

    /** Starts one saga per event of one {@code start-on-events} entry. */
    static final class Starter implements TransactionalConsumer.Handler {

        private final SagaProperties.StartOnEvent start;
        private final Sagas sagas;
        private final ObjectMapper objectMapper;

        Starter(SagaProperties.StartOnEvent start, Sagas sagas, ObjectMapper objectMapper) {
            this.start = start;
            this.sagas = sagas;
            this.objectMapper = objectMapper;
        }

        @Override
        public void handle(InboundMessage message) {
            Map<String, Object> input = message.bodyAsMap(objectMapper, start.routingKey() + " is not a JSON object");
            for (String field : start.requiredFields()) {
                Object value = input.get(field);
                if (value == null || value instanceof String text && text.isBlank()) {
                    throw new PoisonMessageException(start.routingKey() + " without " + field);
                }
            }
            try {
                sagas.start(start.processKey(), input); // the same event again: its saga is the answer
            } catch (DomainException refused) {
                // Other input for a business key that has its saga, or no such saga type: retrying cannot help.
                throw new PoisonMessageException(start.routingKey() + " refused: " + refused.getMessage(), refused);
            }
        }
    }
}
