package io.sagaflow.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.sagaflow.contract.ReplyBody;
import io.sagaflow.contract.Topology;
import io.sagaflow.messaging.InboundMessage;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.IntegrationTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * An operator's abort and the saga's reply, interleaved on purpose: the reply holds its step row
 * (as {@link ReplyCorrelator} does before it moves the engine) while the abort starts, and moves the
 * engine only once the abort waits for a lock. Both must end well, in either database: the abort
 * waits for the reply and then compensates what the reply completed. Before the abort took the
 * step rows first, it wrote the engine's execution row and then waited for the step row, the reply
 * waited for the execution row, and PostgreSQL broke the deadlock by failing one of them (the
 * operator saw a 500; seen in CI as OperatorsIntegrationTests' abort right after a start).
 */
@IntegrationTest
@DisplayName("An abort racing a reply")
class AbortRacesReplyIntegrationTests {

    private static final Duration LOCK_WAIT = Duration.ofSeconds(10);

    private final ApiSupport api;
    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final SagaSteps steps;
    private final ReplyCorrelator replies;
    private final Sagas sagas;

    AbortRacesReplyIntegrationTests(ApiSupport api, JdbcTemplate jdbc, TransactionTemplate transactions,
                                    SagaSteps steps, ReplyCorrelator replies, Sagas sagas) {
        this.api = api;
        this.jdbc = jdbc;
        this.transactions = transactions;
        this.steps = steps;
        this.replies = replies;
        this.sagas = sagas;
    }

    @Test
    @DisplayName("the abort waits for the reply holding its step, then compensates the step the reply completed")
    void abortWaitsForTheReplyAndCompensatesItsStep() throws Exception {
        // The participant's own reply comes a minute late, after this test: ours is the one that counts.
        String sagaId = api.startSaga("order-fulfillment", ApiSupport.orderVariables(api.freshSku(10), "10.00", "DE",
                "inventory.reserve:delay=PT60S")).sagaId();
        String commandId = await("the first step's command").atMost(ApiSupport.SAGA_TIMEOUT)
                .until(() -> jdbc.queryForList("""
                        SELECT command_id FROM sagaflow.saga_step
                        WHERE saga_id = ? AND op = 'ACTION' AND status = 'WAITING'
                        """, String.class, sagaId), ids -> ids.size() == 1).get(0);
        InboundMessage reply = new InboundMessage(Topology.REPLIES_EXCHANGE, "reply-" + commandId, "reply", commandId,
                null, Map.of(), api.json(ReplyBody.success(Map.of("reservationId", "r-" + commandId))));

        CountDownLatch stepLocked = new CountDownLatch(1);
        CountDownLatch abortWaits = new CountDownLatch(1);
        CompletableFuture<Void> replying = CompletableFuture.runAsync(() -> transactions.executeWithoutResult(tx -> {
            steps.lock(commandId);
            stepLocked.countDown();
            awaitLatch(abortWaits);
            replies.handle(reply); // locks the step again (its own), then signals the engine
        }));
        assertThat(stepLocked.await(LOCK_WAIT.toSeconds(), TimeUnit.SECONDS)).as("the reply holds its step").isTrue();
        int waitingBefore = sessionsWaitingForALock();
        CompletableFuture<Void> aborting = CompletableFuture.runAsync(() -> sagas.abort(sagaId, "race test"));
        await("the abort waits for a lock").atMost(LOCK_WAIT)
                .until(() -> aborting.isDone() || sessionsWaitingForALock() > waitingBefore);
        abortWaits.countDown();

        replying.get(30, TimeUnit.SECONDS);
        aborting.get(30, TimeUnit.SECONDS);
        ApiSupport.Saga saga = api.awaitFinished(sagaId);
        assertThat(saga.status()).isEqualTo("COMPENSATED");
        assertThat(jdbc.queryForObject("SELECT status FROM sagaflow.saga_step WHERE command_id = ?", String.class,
                commandId)).as("the reply answered the step before the abort looked at it").isEqualTo("SUCCEEDED");
        assertThat(jdbc.queryForObject("""
                SELECT COUNT(*) FROM sagaflow.saga_step
                WHERE saga_id = ? AND op = 'COMPENSATION' AND command = 'inventory.release' AND status = 'SUCCEEDED'
                """, Integer.class, sagaId)).as("the completed reservation is released").isEqualTo(1);
    }

    /** Sessions blocked by another's lock: PostgreSQL's lock table, H2's sessions. */
    private int sessionsWaitingForALock() throws SQLException {
        String product;
        try (Connection connection = jdbc.getDataSource().getConnection()) {
            product = connection.getMetaData().getDatabaseProductName();
        }
        Integer waiting = product.startsWith("PostgreSQL")
                ? jdbc.queryForObject("SELECT COUNT(*) FROM pg_locks WHERE NOT granted", Integer.class)
                : jdbc.queryForObject("SELECT COUNT(*) FROM INFORMATION_SCHEMA.SESSIONS WHERE BLOCKER_ID IS NOT NULL",
                        Integer.class);
        return waiting == null ? 0 : waiting;
    }

    private static void awaitLatch(CountDownLatch latch) {
        try {
            if (!latch.await(LOCK_WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never let the reply go on");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
