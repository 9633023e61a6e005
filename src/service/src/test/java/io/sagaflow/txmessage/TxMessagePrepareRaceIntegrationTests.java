package io.sagaflow.txmessage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.testing.IntegrationTest;
import io.sagaflow.contract.TxMessageProtocol;
import io.sagaflow.messaging.ParkedMessages;
import io.sagaflow.messaging.TransactionalConsumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.TxApi;

/**
 * Concurrent prepares of one id, on the real database (H2, or PostgreSQL with
 * {@code -Preal-services}): the primary key decides, exactly one HALF message is stored, and every
 * caller gets the same answer, or a 409 if its message differs. Over AMQP a prepare runs inside
 * the consumer's inbox transaction, so losing the race must not spoil that transaction.
 */
@IntegrationTest
@DisplayName("Transactional messages: concurrent prepares of one id")
class TxMessagePrepareRaceIntegrationTests {

    private static final int CONCURRENT_CALLERS = 16;
    /** Rounds of the race, each with a fresh id: one round may by chance serialize its callers. */
    private static final int ROUNDS = 5;

    private final ObjectMapper objectMapper;
    private final JdbcTemplate jdbc;
    private final ParkedMessages parked;
    /** The requests queue's listener: its pipeline (inbox, handler, one transaction) is what the AMQP test calls. */
    private final SimpleMessageListenerContainer requestListener;

    private final TxApi api;
    private String producerGroup;

    TxMessagePrepareRaceIntegrationTests(ObjectMapper objectMapper, JdbcTemplate jdbc, ParkedMessages parked,
                                         @Qualifier("txMessageRequestListener") SimpleMessageListenerContainer requestListener,
                                         TxApi api) {
        this.objectMapper = objectMapper;
        this.jdbc = jdbc;
        this.parked = parked;
        this.requestListener = requestListener;
        this.api = api;
    }

    @BeforeEach
    void setUp() {
        producerGroup = TxApi.fresh("tx-race-test");
    }

    @Test
    @DisplayName("16 concurrent REST prepares of one id store one HALF message: one 201, fifteen 200, all with the same message")
    void concurrentRestPreparesStoreOneMessage() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String id = TxApi.fresh("race-rest");
            Map<String, Object> body = api.prepareBody(id, producerGroup, "race", Map.of("n", 1));

            List<ResponseEntity<JsonNode>> answers = concurrently(() -> api.post("/api/tx-messages", body));

            assertThat(answers).extracting(ResponseEntity::getStatusCode).as("statuses of round %d", round)
                    .containsOnly(HttpStatus.CREATED, HttpStatus.OK)
                    .filteredOn(HttpStatus.CREATED::equals).hasSize(1);
            assertThat(answers).extracting(answer -> answer.getBody().path("id").asText()).containsOnly(id);
            assertThat(answers).extracting(answer -> answer.getBody().path("state").asText()).containsOnly("HALF");
            assertThat(answers).extracting(answer -> answer.getBody().path("createdAt").asText()).as("one message")
                    .containsOnly(answers.get(0).getBody().path("createdAt").asText());
            assertThat(halfMessages(id)).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("16 concurrent REST prepares of one id with two different messages: one is stored, its callers get it, the others 409")
    void concurrentRestPreparesOfDifferentMessagesAreConflicts() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            String id = TxApi.fresh("race-conflict");
            List<Map<String, Object>> bodies = List.of(api.prepareBody(id, producerGroup, "race", Map.of("n", 1)),
                    api.prepareBody(id, producerGroup, "race", Map.of("n", 2)));
            List<Integer> callers = new ArrayList<>();

            List<ResponseEntity<JsonNode>> answers = concurrently(caller -> api.post("/api/tx-messages",
                    bodies.get(caller % 2)));

            int stored = jdbc.queryForObject("SELECT payload FROM sagaflow.tx_message WHERE id = ?", String.class, id)
                    .contains("2") ? 1 : 0;
            for (int caller = 0; caller < answers.size(); caller++) {
                ResponseEntity<JsonNode> answer = answers.get(caller);
                if (caller % 2 == stored) {
                    assertThat(answer.getStatusCode()).as("caller %d of round %d: %s", caller, round, answer.getBody())
                            .isIn(HttpStatus.CREATED, HttpStatus.OK);
                    callers.add(caller);
                } else {
                    assertThat(answer.getStatusCode()).as("caller %d of round %d: %s", caller, round, answer.getBody())
                            .isEqualTo(HttpStatus.CONFLICT);
                    assertThat(TxApi.problemFields(answer)).containsExactly("id");
                }
            }
            assertThat(answers).extracting(ResponseEntity::getStatusCode)
                    .filteredOn(HttpStatus.CREATED::equals).hasSize(1);
            assertThat(callers).hasSize(CONCURRENT_CALLERS / 2);
            assertThat(halfMessages(id)).isEqualTo(1);
        }
    }

    @Test
    @DisplayName("16 concurrent AMQP prepare requests of one id, each in its consumer's inbox transaction, all succeed first time and store one HALF message")
    void concurrentAmqpPreparesStoreOneMessage() throws Exception {
        // Called directly, not through the broker: a failure shows here instead of being hidden by
        // the container's retries (a redelivery finds the winner's row and succeeds).
        TransactionalConsumer consumer = (TransactionalConsumer) requestListener.getMessageListener();
        for (int round = 0; round < ROUNDS; round++) {
            String id = TxApi.fresh("race-amqp");
            byte[] body = objectMapper.writeValueAsBytes(api.prepareBody(id, producerGroup, "race", Map.of("n", 1)));
            long parkedBefore = parked.count();

            concurrently(caller -> {
                // Different producers (or a producer's retries): a different AMQP message id each.
                consumer.onMessage(prepareRequest(id + ":prepare:" + caller, id, body));
                return null;
            });

            assertThat(halfMessages(id)).isEqualTo(1);
            assertThat(parked.count()).as("parked messages").isEqualTo(parkedBefore);
            assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.inbox_message WHERE consumer = ? "
                    + "AND message_id LIKE ?", Long.class, TxMessageMessaging.REQUESTS_CONSUMER, id + ":prepare:%"))
                    .as("requests consumed").isEqualTo(CONCURRENT_CALLERS);
        }
    }

    private static Message prepareRequest(String messageId, String id, byte[] body) {
        MessageProperties properties = new MessageProperties();
        properties.setMessageId(messageId);
        properties.setType(TxMessageProtocol.PREPARE);
        properties.setCorrelationId(id);
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        properties.setContentEncoding(StandardCharsets.UTF_8.name());
        properties.setConsumerQueue(TxMessageProtocol.REQUESTS_QUEUE);
        return new Message(body, properties);
    }

    private long halfMessages(String id) {
        Long count = jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.tx_message WHERE id = ? AND state = 'HALF'",
                Long.class, id);
        return count == null ? 0 : count;
    }

    private interface Caller<T> {
        T call(int caller) throws Exception;
    }

    private static <T> List<T> concurrently(Callable<T> call) throws Exception {
        return concurrently(caller -> call.call());
    }

    /** Runs the call from {@value #CONCURRENT_CALLERS} threads released at the same moment; rethrows the first failure. */
    private static <T> List<T> concurrently(Caller<T> call) throws Exception {
        ExecutorService callers = Executors.newFixedThreadPool(CONCURRENT_CALLERS);
        try {
            CountDownLatch ready = new CountDownLatch(CONCURRENT_CALLERS);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (int i = 0; i < CONCURRENT_CALLERS; i++) {
                int caller = i;
                futures.add(callers.submit(() -> {
                    ready.countDown();
                    start.await();
                    return call.call(caller);
                }));
            }
            ready.await();
            start.countDown();
            List<T> answers = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            for (Future<T> future : futures) {
                try {
                    answers.add(future.get());
                } catch (ExecutionException e) {
                    failures.add(e.getCause());
                }
            }
            if (!failures.isEmpty()) {
                AssertionError error = new AssertionError(failures.size() + " of " + CONCURRENT_CALLERS
                        + " callers failed; the first: " + failures.get(0), failures.get(0));
                failures.stream().skip(1).forEach(error::addSuppressed);
                throw error;
            }
            return answers;
        } finally {
            callers.shutdownNow();
        }
    }
}
