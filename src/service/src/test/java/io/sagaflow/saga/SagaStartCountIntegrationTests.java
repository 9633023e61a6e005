package io.sagaflow.saga;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.testing.IntegrationTest;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/** {@code sagaflow.sagas.started} counts the starts that committed, not the ones that rolled back. */
@IntegrationTest
@DisplayName("The started counter counts committed starts")
class SagaStartCountIntegrationTests {

    private static final String PROCESS = "count-test";

    private final SagaRegistry registry;
    private final MeterRegistry meters;
    private final PlatformTransactionManager transactions;

    SagaStartCountIntegrationTests(SagaRegistry registry, MeterRegistry meters,
                                   PlatformTransactionManager transactions) {
        this.registry = registry;
        this.meters = meters;
        this.transactions = transactions;
    }

    @Test
    @DisplayName("a start whose transaction rolls back is not counted; one that commits is, once")
    void onlyCommittedStartsCount() {
        TransactionTemplate inTransaction = new TransactionTemplate(transactions);
        double before = started();

        inTransaction.executeWithoutResult(status -> {
            registry.started(UUID.randomUUID().toString(), definition(), "rolled-back-" + UUID.randomUUID(), Map.of(), null, null);
            status.setRollbackOnly();
        });
        assertThat(started()).as("after a rolled-back start").isEqualTo(before);

        inTransaction.executeWithoutResult(status ->
                registry.started(UUID.randomUUID().toString(), definition(), "committed-" + UUID.randomUUID(), Map.of(), null, null));
        assertThat(started()).as("after a committed start").isEqualTo(before + 1);
    }

    /** A definition of a process of this test alone: its counter starts at zero. */
    private static org.camunda.bpm.engine.repository.ProcessDefinition definition() {
        org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity definition =
                new org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity();
        definition.setKey(PROCESS);
        definition.setId(PROCESS + ":1:test");
        definition.setVersion(1);
        return definition;
    }

    private double started() {
        Counter counter = meters.find("sagaflow.sagas.started").tag("process", PROCESS).counter();
        return counter == null ? 0 : counter.count();
    }
}
