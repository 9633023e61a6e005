package io.sagaflow.faults.sabotage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import io.sagaflow.publisher.ConfirmedPublisher;
import org.junit.jupiter.api.Test;

/**
 * The sabotaged builds reach into private fields of the service. A refactoring that moves one
 * would make a sabotaged JVM fail at startup, which only the fault suite (last in CI) would
 * notice: this keeps the breakage in {@code mvn verify}, next to the change that caused it.
 */
class SabotagesStillApplyTests {

    @Test
    void theRelayStillPublishesThroughAFieldTheSabotageCanReplace() throws Exception {
        assertThat(RelayDrops.publisherField().getType()).isEqualTo(ConfirmedPublisher.class);
    }

    @Test
    void theParticipantStillKeepsItsHandlersInAFieldTheSabotageCanReplace() throws Exception {
        assertThat(PaymentChargeSabotage.handlersField().getType()).isEqualTo(Map.class);
    }

    @Test
    void theOrchestratorsReplyListenerIsStillTheBeanTheSabotageWraps() throws Exception {
        // InstanceAffinity wraps the bean named "replyListener" and reads the ids of Sagas' starts.
        java.lang.reflect.Method bean = java.util.Arrays.stream(
                        Class.forName("io.sagaflow.saga.SagaMessagingConfiguration").getDeclaredMethods())
                .filter(method -> method.getName().equals("replyListener")).findFirst().orElseThrow();
        assertThat(bean.getReturnType())
                .isEqualTo(org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer.class);
        assertThat(io.sagaflow.saga.Sagas.StartResult.class.getMethod("saga").getReturnType().getMethod("sagaId"))
                .isNotNull();
    }
}
