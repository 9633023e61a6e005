package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.sagaflow.ApiSupport.StartedSaga;
import io.sagaflow.messaging.SagaHeaders;
import io.sagaflow.messaging.Topology;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.web.client.TestRestTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Reverse-order compensation as the broker sees it: the commands the relay actually publishes,
 * captured by a queue of the test's own bound to the commands exchange. TripBookingProcessTests
 * checks the model; this checks the production path (saga steps, queued compensations, outbox,
 * relay) end to end.
 */
@IntegrationTest
@DisplayName("Compensation order on the wire")
class CompensationOrderIntegrationTests {

    @Autowired
    private TestRestTemplate rest;
    @Autowired
    private AmqpAdmin amqpAdmin;
    @Autowired
    private RabbitTemplate rabbit;
    @Autowired
    private JdbcTemplate jdbc;
    @Value("${sagaflow.admin.user}")
    private String adminUser;
    @Value("${sagaflow.admin.password}")
    private String adminPassword;

    private ApiSupport api;
    private Queue capture;

    @BeforeEach
    void captureCancellations() {
        api = new ApiSupport(rest, adminUser, adminPassword);
        // Not exclusive: the broker ties an exclusive queue to the declaring channel, not the template's.
        capture = new Queue(ApiSupport.fresh("test.capture"), false, false, false);
        amqpAdmin.declareQueue(capture);
        TopicExchange commands = new TopicExchange(Topology.COMMANDS_EXCHANGE);
        for (String command : List.of("car.cancel", "hotel.cancel", "flight.cancel")) {
            amqpAdmin.declareBinding(BindingBuilder.bind(capture).to(commands).with(command));
        }
    }

    @AfterEach
    void removeCapture() {
        amqpAdmin.deleteQueue(capture.getName());
    }

    @Test
    @DisplayName("when the flight is rejected, the relay publishes hotel.cancel, then car.cancel only after the hotel's cancellation was answered, and never flight.cancel")
    void compensationsArePublishedLatestFirstOneAfterTheOther() {
        String tripId = ApiSupport.fresh("trip");
        StartedSaga started = api.startSaga("trip-booking", Map.of("tripId", tripId, "customerId",
                ApiSupport.fresh("customer"), "city", "Lisbon", "days", 2, "nights", 2, "from", "BER", "to", "XXX"));

        assertThat(api.awaitFinished(started.sagaId()).status()).isEqualTo("COMPENSATED");
        // Both were published before the saga could end, so they are in the queue by now.
        assertThat(publishedCommandsOf(started.sagaId(), 3, Duration.ofSeconds(3)))
                .containsExactly("hotel.cancel", "car.cancel");
        // The car's cancellation waited for the hotel's reply: it was written to the outbox later.
        Long hotelAnswered = jdbc.queryForObject("""
                SELECT count(*) FROM sagaflow.saga_step h JOIN sagaflow.saga_step c ON c.saga_id = h.saga_id
                WHERE h.saga_id = ? AND h.command = 'hotel.cancel' AND c.command = 'car.cancel'
                  AND h.status = 'SUCCEEDED' AND c.sent_at >= h.replied_at
                """, Long.class, started.sagaId());
        assertThat(hotelAnswered).as("car.cancel sent after hotel.cancel was answered").isEqualTo(1);
    }

    /** Up to {@code count} command types published for the saga, in arrival order, read for at most {@code wait}. */
    private List<String> publishedCommandsOf(String sagaId, int count, Duration wait) {
        List<String> types = new ArrayList<>();
        long deadline = System.nanoTime() + wait.toNanos();
        while (types.size() < count && System.nanoTime() < deadline) {
            Message message = rabbit.receive(capture.getName(), 1_000);
            if (message != null && sagaId.equals(message.getMessageProperties().getHeader(SagaHeaders.SAGA_ID))) {
                types.add(message.getMessageProperties().getType());
            }
        }
        return types;
    }
}
