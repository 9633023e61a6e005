package io.sagaflow.messaging;

import io.micrometer.core.instrument.MeterRegistry;
import org.aopalliance.aop.Advice;
import org.aopalliance.intercept.MethodInterceptor;
import io.sagaflow.tracing.SagaTracing;
import org.springframework.amqp.rabbit.config.RetryInterceptorBuilder;
import org.springframework.amqp.rabbit.config.SimpleRabbitListenerContainerFactory;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.amqp.rabbit.retry.MessageRecoverer;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Builds listener containers that all consume the same way: Boot's listener settings
 * ({@code spring.rabbitmq.listener.simple.*}: concurrency, prefetch), a {@link TransactionalConsumer},
 * and a retry advice with backoff that ends in the consumer's own recovery.
 */
@Component
public class ListenerContainers {

    private final SimpleRabbitListenerContainerFactory factory;
    private final TransactionTemplate transactions;
    private final Inbox inbox;
    private final ParkedMessages parked;
    private final MeterRegistry meters;
    private final MessagingProperties properties;
    private final SagaTracing tracing;

    ListenerContainers(SimpleRabbitListenerContainerFactory factory, TransactionTemplate transactions, Inbox inbox,
                       ParkedMessages parked, MeterRegistry meters, MessagingProperties properties,
                       SagaTracing tracing) {
        this.tracing = tracing;
        this.factory = factory;
        this.transactions = transactions;
        this.inbox = inbox;
        this.parked = parked;
        this.meters = meters;
        this.properties = properties;
    }

    /**
     * A container for {@code queue}; the caller owns its lifecycle (return it from a {@code @Bean}
     * method, or start and stop it).
     *
     * @param recoverer what happens to a message whose retries are exhausted
     */
    public SimpleMessageListenerContainer create(String consumer, String queue, TransactionalConsumer.Handler handler,
                                                 MessageRecoverer recoverer) {
        return create(consumer, queue, handler, recoverer, null);
    }

    /**
     * A container whose every delivery first passes {@code around} (outside the retries), e.g. to
     * wait before a message is processed at all.
     */
    public SimpleMessageListenerContainer create(String consumer, String queue, TransactionalConsumer.Handler handler,
                                                 MessageRecoverer recoverer, MethodInterceptor around) {
        SimpleMessageListenerContainer container = factory.createListenerContainer();
        // Consumer threads are named after the consumer ("inventory-1"), in thread dumps, profiles
        // and the listener metrics; without it, containers that are not beans (the participants')
        // all run on threads called "not.a.Spring.bean-N".
        container.setListenerId(consumer);
        container.setQueueNames(queue);
        container.setMessageListener(new TransactionalConsumer(consumer, handler, transactions, inbox, parked, meters,
                properties.maxPayloadBytes(), tracing));
        MessagingProperties.Retry retry = properties.retry();
        Advice retries = RetryInterceptorBuilder.stateless()
                .maxAttempts(retry.maxAttempts())
                .backOffOptions(retry.initialInterval().toMillis(), retry.multiplier(), retry.maxInterval().toMillis())
                .recoverer(recoverer)
                .build();
        container.setAdviceChain(around == null ? new Advice[] {retries} : new Advice[] {around, retries});
        return container;
    }

    /** The default recovery: park the message with the last failure as the reason. */
    public MessageRecoverer parkingRecoverer(String consumer) {
        return (message, cause) -> parked.park(consumer, InboundMessage.of(message),
                "retries exhausted: " + rootCauseText(cause));
    }

    public static String rootCauseText(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }
}
