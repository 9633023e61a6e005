package io.sagaflow.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Exchange;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.context.ApplicationContext;
import org.springframework.test.context.junit.jupiter.SpringExtension;

/**
 * Queues a test binds beside the real ones to see what the service publishes, deleted after each
 * test. Register it with {@code @RegisterExtension final CaptureQueues queues = new CaptureQueues();}
 * in a Spring test: it takes the broker's {@link AmqpAdmin} and {@link RabbitTemplate} from the
 * test's application context.
 *
 * <p>The queues are neither exclusive nor auto-delete: the broker ties an exclusive queue to the
 * declaring channel, not the template's, and the embedded broker would drop an auto-delete one
 * between two receives.
 */
public final class CaptureQueues implements BeforeEachCallback, AfterEachCallback {

    private final List<String> declared = new ArrayList<>();
    private AmqpAdmin amqpAdmin;
    private RabbitTemplate rabbit;

    @Override
    public void beforeEach(ExtensionContext context) {
        ApplicationContext spring = SpringExtension.getApplicationContext(context);
        amqpAdmin = spring.getBean(AmqpAdmin.class);
        rabbit = spring.getBean(RabbitTemplate.class);
    }

    @Override
    public void afterEach(ExtensionContext context) {
        declared.forEach(amqpAdmin::deleteQueue);
        declared.clear();
    }

    /**
     * A new queue {@code <prefix>-<uuid>} bound to the exchange with each routing key, or with its
     * own name as the routing key when none is given; returns its name.
     */
    public String bind(String prefix, Exchange exchange, String... routingKeys) {
        String name = prefix + "-" + UUID.randomUUID();
        Queue queue = new Queue(name, false, false, false);
        amqpAdmin.declareQueue(queue);
        declared.add(name);
        for (String routingKey : routingKeys.length == 0 ? new String[] {name} : routingKeys) {
            amqpAdmin.declareBinding(BindingBuilder.bind(queue).to(exchange).with(routingKey).noargs());
        }
        return name;
    }

    /** The next message of the queue within the timeout, or {@code null}. */
    public Message receive(String queue, Duration timeout) {
        return rabbit.receive(queue, timeout.toMillis());
    }

    /** The next message of the queue, asserting one arrives within the timeout. */
    public Message expect(String queue, Duration timeout) {
        Message message = receive(queue, timeout);
        assertThat(message).as("a message on %s within %s", queue, timeout).isNotNull();
        return message;
    }

    /** The messages of one AMQP {@code type}. */
    public static java.util.List<Message> ofType(java.util.List<Message> messages, String type) {
        return messages.stream().filter(message -> type.equals(message.getMessageProperties().getType())).toList();
    }

    /** The one message of the list (asserting there is exactly one). */
    public static Message only(java.util.List<Message> messages) {
        org.assertj.core.api.Assertions.assertThat(messages).hasSize(1);
        return messages.get(0);
    }
}
