package io.sagaflow.messaging;

import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.Queue;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Gives every durable, shared queue Sagaflow declares the configured {@link QueueType}, so the
 * features that declare queues need not know about it. Reads the property from the environment: a
 * post-processor must not pull configuration beans into existence early.
 */
@Component
class QueueTypeApplier implements BeanPostProcessor, EnvironmentAware {

    static final String PROPERTY = "sagaflow.messaging.queue-type";
    static final String QUEUE_TYPE_ARGUMENT = "x-queue-type";

    private QueueType queueType = QueueType.CLASSIC;

    @Override
    public void setEnvironment(Environment environment) {
        queueType = Binder.get(environment).bind(PROPERTY, QueueType.class).orElse(QueueType.CLASSIC);
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (bean instanceof Queue queue) {
            apply(queue);
        } else if (bean instanceof Declarables declarables) {
            declarables.getDeclarablesByType(Queue.class).forEach(this::apply);
        }
        return bean;
    }

    void apply(Queue queue) {
        boolean shared = queue.isDurable() && !queue.isExclusive() && !queue.isAutoDelete();
        if (shared && queueType == QueueType.QUORUM) {
            queue.addArgument(QUEUE_TYPE_ARGUMENT, "quorum");
        }
    }
}
