package io.sagaflow.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Declarables;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.core.QueueBuilder;
import org.springframework.mock.env.MockEnvironment;

/** The quorum switch reaches every shared queue and nothing else; classic stays untouched. */
class QueueTypeApplierTests {

    @Test
    void quorumMarksDurableSharedQueuesOnly() {
        Queue shared = QueueBuilder.durable("sagaflow.participant.test").build();
        Queue exclusive = QueueBuilder.nonDurable().exclusive().autoDelete().build();
        Queue single = QueueBuilder.durable("sagaflow.orchestrator.test").build();

        QueueTypeApplier applier = applier("quorum");
        applier.postProcessBeforeInitialization(new Declarables(shared, exclusive), "topology");
        applier.postProcessBeforeInitialization(single, "queue");

        assertThat(shared.getArguments()).containsEntry("x-queue-type", "quorum");
        assertThat(single.getArguments()).containsEntry("x-queue-type", "quorum");
        assertThat(exclusive.getArguments()).doesNotContainKey("x-queue-type");
    }

    @Test
    void classicIsTheDefaultAndAddsNoArgument() {
        Queue shared = QueueBuilder.durable("sagaflow.participant.test").build();

        applier(null).postProcessBeforeInitialization(new Declarables(shared), "topology");

        assertThat(shared.getArguments()).doesNotContainKey("x-queue-type");
    }

    private static QueueTypeApplier applier(String queueType) {
        MockEnvironment environment = new MockEnvironment();
        if (queueType != null) {
            environment.setProperty("sagaflow.messaging.queue-type", queueType);
        }
        QueueTypeApplier applier = new QueueTypeApplier();
        applier.setEnvironment(environment);
        return applier;
    }
}
