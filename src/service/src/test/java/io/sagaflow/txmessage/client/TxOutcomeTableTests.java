package io.sagaflow.txmessage.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The producer's answer to a check-back, on an in-memory H2 database: whatever the timing between
 * the local transaction and the check-back, the answer agrees with what the local transaction did.
 */
@DisplayName("Producer outcome table")
class TxOutcomeTableTests {

    private static final String TABLE = "producer.tx_outcome";
    private static final String GROUP = "orders";

    private JdbcTemplate jdbc;
    private TransactionTemplate transactions;
    private OutcomeTable outcomes;

    @BeforeEach
    void setUp() {
        DriverManagerDataSource dataSource = new DriverManagerDataSource(
                "jdbc:h2:mem:outcome-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=5000", "sa", "");
        jdbc = new JdbcTemplate(dataSource);
        jdbc.execute("CREATE SCHEMA producer");
        jdbc.execute(TxMessageProducer.outcomeTableDdl(TABLE));
        transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
        outcomes = new OutcomeTable(TABLE, GROUP, jdbc, transactions, Clock.systemUTC());
    }

    @Test
    @DisplayName("a committed local transaction is answered COMMIT")
    void committedIsCommit() {
        transactions.executeWithoutResult(status -> outcomes.recordCommit("m-1"));

        assertThat(outcomes.answer("m-1")).isEqualTo(CheckAnswer.COMMIT);
        assertThat(outcomes.answer("m-1")).as("asked again").isEqualTo(CheckAnswer.COMMIT);
    }

    @Test
    @DisplayName("a rolled-back local transaction is answered ROLLBACK")
    void rolledBackIsRollback() {
        transactions.executeWithoutResult(status -> {
            outcomes.recordCommit("m-1");
            status.setRollbackOnly();
        });

        assertThat(outcomes.answer("m-1")).isEqualTo(CheckAnswer.ROLLBACK);
    }

    @Test
    @DisplayName("after a ROLLBACK answer, a late local transaction of that message cannot commit")
    void lateLocalTransactionFails() {
        assertThat(outcomes.answer("m-1")).isEqualTo(CheckAnswer.ROLLBACK);

        assertThatThrownBy(() -> transactions.executeWithoutResult(status -> outcomes.recordCommit("m-1")))
                .isInstanceOf(TxMessageException.class).hasMessageContaining("rolled back by a check-back");
        assertThat(outcomes.answer("m-1")).isEqualTo(CheckAnswer.ROLLBACK);
    }

    @Test
    @DisplayName("a check-back during the local transaction waits for it and answers what it did")
    void checkBackWaitsForTheLocalTransaction() throws Exception {
        CountDownLatch recorded = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        CompletableFuture<Void> local = CompletableFuture.runAsync(() -> transactions.executeWithoutResult(status -> {
            outcomes.recordCommit("m-1");
            recorded.countDown();
            awaitQuietly(finish);
        }));
        assertThat(recorded.await(5, TimeUnit.SECONDS)).isTrue();

        CompletableFuture<CheckAnswer> answer = CompletableFuture.supplyAsync(() -> outcomes.answer("m-1"));
        Awaitility.await("the answer waiting for the local transaction").during(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(2)).until(() -> !answer.isDone());
        finish.countDown();
        local.get(5, TimeUnit.SECONDS);

        assertThat(answer.get(5, TimeUnit.SECONDS)).isEqualTo(CheckAnswer.COMMIT);
    }

    @Test
    @DisplayName("the outcome table name must be a plain [schema.]table")
    void tableNameIsValidated() {
        assertThatThrownBy(() -> TxMessageProducer.outcomeTableDdl("x; DROP TABLE y"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(TxMessageProducer.outcomeTableDdl("shop.tx_outcome")).contains("shop.tx_outcome");
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
