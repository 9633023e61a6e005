package io.sagaflow.faults.sabotage;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.atomic.AtomicLong;

import io.sagaflow.publisher.ConfirmedPublisher;
import io.sagaflow.outbox.OutboxRelay;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.connection.CorrelationData;
import org.springframework.amqp.rabbit.core.RabbitOperations;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.beans.factory.config.BeanPostProcessor;

/** Gives the outbox relay a publisher whose RabbitTemplate drops one message in {@code every}, acking it as if sent. */
final class RelayDrops implements BeanPostProcessor {

    private static final Logger log = LoggerFactory.getLogger(RelayDrops.class);

    private final int every;
    private final AtomicLong published = new AtomicLong();

    RelayDrops(int every) {
        this.every = every;
    }

    @Override
    public Object postProcessAfterInitialization(Object bean, String beanName) {
        Object target = AopProxyUtils.getSingletonTarget(bean) != null ? AopProxyUtils.getSingletonTarget(bean) : bean;
        if (target instanceof OutboxRelay relay) {
            try {
                // The relay publishes through its ConfirmedPublisher: give it one whose template drops.
                Field publisherField = publisherField();
                RabbitTemplate real = ((ConfirmedPublisher) publisherField.get(relay)).template();
                publisherField.set(relay, new ConfirmedPublisher(new DroppingTemplate(real), "The sabotaged relay"));
                log.warn("SABOTAGE: the outbox relay drops 1 message in {}", every);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("cannot sabotage the relay", e);
            }
        }
        return bean;
    }

    /** The relay's publisher, where the sabotage goes in (SabotagesStillApplyTests keeps it there). */
    static Field publisherField() throws NoSuchFieldException {
        Field publisher = OutboxRelay.class.getDeclaredField("publisher");
        publisher.setAccessible(true);
        return publisher;
    }

    private final class DroppingTemplate extends RabbitTemplate {

        private final RabbitTemplate real;

        DroppingTemplate(RabbitTemplate real) {
            super(real.getConnectionFactory());
            setMandatory(true);
            this.real = real;
        }

        @Override
        public <T> T invoke(OperationsCallback<T> action, com.rabbitmq.client.ConfirmCallback acks,
                            com.rabbitmq.client.ConfirmCallback nacks) {
            return real.invoke(operations -> action.doInRabbit(dropping(operations)), acks, nacks);
        }

        private RabbitOperations dropping(RabbitOperations operations) {
            return (RabbitOperations) Proxy.newProxyInstance(RabbitOperations.class.getClassLoader(),
                    new Class<?>[] {RabbitOperations.class}, (proxy, method, args) -> {
                        if (method.getName().equals("send") && args != null && args.length == 4
                                && args[2] instanceof Message && args[3] instanceof CorrelationData correlation
                                && published.incrementAndGet() % every == every / 2) {
                            log.warn("SABOTAGE: dropped message {} to {} / {}", correlation.getId(), args[0], args[1]);
                            correlation.getFuture().complete(new CorrelationData.Confirm(true, null));
                            return null;
                        }
                        try {
                            return method.invoke(operations, args);
                        } catch (InvocationTargetException e) {
                            throw e.getCause();
                        }
                    });
        }
    }
}
