package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.sagaflow.testing.ApiSupport.StartedSaga;
import io.sagaflow.contract.SagaHeaders;
import io.sagaflow.contract.Topology;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.TopicExchange;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.CaptureQueues;
import io.sagaflow.testing.IntegrationTest;

/**
 * Reverse-order compensation as the broker sees it: the commands the relay actually publishes,
 * captured by a queue of the test's own bound to the commands exchange. TripBookingProcessTests
 * checks the model; this checks the production path (saga steps, queued compensations, outbox,
 * relay) end to end.
 */
@IntegrationTest
@DisplayName("Compensation order on the wire")
class CompensationOrderIntegrationTests {

    @RegisterExtension
    final CaptureQueues queues = new CaptureQueues();

    private final ApiSupport api;
    private final JdbcTemplate jdbc;

    private String capture;

    CompensationOrderIntegrationTests(ApiSupport api, JdbcTemplate jdbc) {
        this.api = api;
        this.jdbc = jdbc;
    }

    @BeforeEach
    void captureCancellations() {
        capture = queues.bind("test.capture", new TopicExchange(Topology.COMMANDS_EXCHANGE),
                "car.cancel", "hotel.cancel", "flight.cancel");
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
            Message message = queues.receive(capture, Duration.ofSeconds(1));
            if (message != null && sagaId.equals(message.getMessageProperties().getHeader(SagaHeaders.SAGA_ID))) {
                types.add(message.getMessageProperties().getType());
            }
        }
        return types;
    }
}
