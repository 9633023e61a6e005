package io.sagaflow.publisher;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.connection.PublisherCallbackChannelImpl;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.scheduling.concurrent.CustomizableThreadFactory;

/**
 * Hands publisher confirms and returns to one thread with a queue instead of Spring AMQP's
 * default, a cached thread pool.
 *
 * <p>Spring AMQP moves every confirm off the connection's reader thread as its own task, one per
 * published message. On a cached pool each task is a hand-off to a thread that is woken or created
 * for it: the relay's benchmark measured 25-43 µs of CPU per relayed message on those threads, a
 * quarter of the service's CPU per message (docs/performance.md). One thread drains a burst of
 * confirms from its queue without a wake-up for each, and handles returns and confirms in the order
 * the broker sent them. The futures {@link ConfirmedPublisher} waits on (for the relay, the
 * check-backs and the transactional-message client) are completed before, on the reader thread;
 * we set no confirm or returns callback.
 *
 * <p>One thread cannot wait on itself here: Spring's task for a confirm waits for the message's
 * return task only when the return came first (RabbitMQ returns, then acks), and then that return
 * task is ahead of it in the queue. When the ack or nack comes first (the embedded broker nacks,
 * then returns), Spring no longer matches the return to the confirm, so nothing waits.
 */
public class PublisherConfirmsThread implements BeanPostProcessor, DisposableBean {

    private final ExecutorService confirms =
            Executors.newSingleThreadExecutor(daemon(new CustomizableThreadFactory("amqp-confirms-")));

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) {
        if (bean instanceof CachingConnectionFactory connectionFactory) {
            connectionFactory.setPublisherChannelFactory(
                    (channel, defaultExecutor) -> new PublisherCallbackChannelImpl(channel, confirms));
        }
        return bean;
    }

    @Override
    public void destroy() {
        confirms.shutdown();
    }

    private static CustomizableThreadFactory daemon(CustomizableThreadFactory threads) {
        threads.setDaemon(true);
        return threads;
    }
}
