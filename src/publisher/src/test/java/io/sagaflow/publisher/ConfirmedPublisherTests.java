package io.sagaflow.publisher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.AmqpException;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

@DisplayName("Confirmed publisher without a broker")
class ConfirmedPublisherTests {

    /** Nothing listens on port 1: every connection attempt is refused at once. */
    private static CachingConnectionFactory unreachable(boolean confirms, boolean returns) {
        CachingConnectionFactory factory = new CachingConnectionFactory("127.0.0.1", 1);
        if (confirms) {
            factory.setPublisherConfirmType(CachingConnectionFactory.ConfirmType.CORRELATED);
        }
        factory.setPublisherReturns(returns);
        return factory;
    }

    @Test
    @DisplayName("it refuses to be built without correlated confirms, returns or the mandatory flag, naming the setting")
    void refusesWithoutConfirmsReturnsOrMandatory() {
        assertThatThrownBy(() -> ConfirmedPublisher.on(unreachable(false, true), "The test"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("The test needs correlated publisher confirms: set "
                        + "spring.rabbitmq.publisher-confirm-type=correlated");
        assertThatThrownBy(() -> ConfirmedPublisher.on(unreachable(true, false), "The test"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("spring.rabbitmq.publisher-returns=true");
        RabbitTemplate notMandatory = new RabbitTemplate(unreachable(true, true));
        assertThatThrownBy(() -> new ConfirmedPublisher(notMandatory, "The test"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("spring.rabbitmq.template.mandatory=true");
    }

    @Test
    @DisplayName("an unreachable broker publishes nothing: every message is reported as not published, none as failed")
    void unreachableBrokerPublishesNothing() {
        CachingConnectionFactory factory = unreachable(true, true);
        try {
            ConfirmedPublisher publisher = ConfirmedPublisher.on(factory, "The test");
            List<ConfirmedPublisher.Confirmation<String>> confirmations = new ArrayList<>();

            ConfirmedPublisher.Batch<String> batch = publisher.publish(List.of(
                    ConfirmedPublisher.Outgoing.mandatory("a", "x", "k", message("a")),
                    new ConfirmedPublisher.Outgoing<>("b", "x", "k", message("b"), false)));
            batch.awaitConfirms(Duration.ofSeconds(1), confirmations::add);

            assertThat(batch.unreachable()).isNotNull();
            assertThat(batch.notPublished()).containsExactly("a", "b");
            assertThat(confirmations).isEmpty();
            assertThatThrownBy(() -> publisher.publishAndAwait(
                    ConfirmedPublisher.Outgoing.mandatory("c", "x", "k", message("c")), Duration.ofSeconds(1)))
                    .isInstanceOf(AmqpException.class);
        } finally {
            factory.destroy();
        }
    }

    static Message message(String id) {
        MessageProperties properties = new MessageProperties();
        properties.setMessageId(id);
        return new Message(("{\"id\":\"" + id + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8), properties);
    }
}
