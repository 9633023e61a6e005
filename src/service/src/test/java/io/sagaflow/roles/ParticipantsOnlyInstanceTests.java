package io.sagaflow.roles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.errors.UnavailableException;
import io.sagaflow.saga.Sagas;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.AmqpAdmin;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.MessageProperties;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A participants-only instance ({@code sagaflow.roles.orchestrator.enabled=false}, every participant
 * hosted) runs no engine step: no job executor (every step is {@code asyncBefore}), no reply
 * listener, no deadline watcher, no saga-start consumer. The shop's OrderPlaced reaches the
 * orchestrator only over AMQP, so on this instance it starts nothing; and a start through the API
 * (which would run the saga's first step in its transaction) is refused.
 *
 * <p>Its own database ({@code participants-only}, H2 in memory), broker and engine name, and no
 * webapps, so the shared context of the integration tests never sees its rows, messages, engine or
 * beans.
 */
@SpringBootTest(properties = {
        "sagaflow.roles.orchestrator.enabled=false",
        "sagaflow.roles.participants=all",
        "sagaflow.embedded-broker.port=0",
        "spring.datasource.url=jdbc:h2:mem:participants-only;DB_CLOSE_DELAY=-1;DB_CLOSE_ON_EXIT=FALSE;LOCK_TIMEOUT=10000",
        // Camunda keeps engines in a static registry by name: not the shared context's "default".
        "camunda.bpm.process-engine-name=participantsOnly",
        // No Cockpit here: the shared context's Cockpit keeps its beans (cockpit.SpringBeans).
        "camunda.bpm.webapp.enabled=false",
})
// Closed after this class: the other tests share one context (IntegrationTest), and this one
// should not keep running beside it.
@DirtiesContext
@DisplayName("A participants-only instance")
class ParticipantsOnlyInstanceTests {

    private static final Duration QUIET = Duration.ofSeconds(3);

    private final ApplicationContext context;
    private final ProcessEngine engine;
    private final RuntimeService runtime;
    private final Sagas sagas;
    private final RabbitTemplate rabbit;
    private final AmqpAdmin amqpAdmin;
    private final JdbcTemplate jdbc;
    private final ObjectMapper objectMapper;

    ParticipantsOnlyInstanceTests(ApplicationContext context, ProcessEngine engine, RuntimeService runtime,
                                  Sagas sagas, RabbitTemplate rabbit, AmqpAdmin amqpAdmin, JdbcTemplate jdbc,
                                  ObjectMapper objectMapper) {
        this.context = context;
        this.engine = engine;
        this.runtime = runtime;
        this.sagas = sagas;
        this.rabbit = rabbit;
        this.amqpAdmin = amqpAdmin;
        this.jdbc = jdbc;
        this.objectMapper = objectMapper;
    }

    @Test
    @DisplayName("hosts the participants and has no job executor, reply listener, deadline watcher or saga-start consumer")
    void hasNoOrchestratorWork() throws Exception {
        assertThat(context.getBeansOfType(io.sagaflow.participant.Participant.class)).isNotEmpty();
        assertThat(context.containsBean("shopMessageProducer")).as("the shop").isTrue();

        ProcessEngineConfigurationImpl configuration =
                (ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration();
        assertThat(configuration.getJobExecutor() == null || !configuration.getJobExecutor().isActive())
                .as("job executor active").isTrue();
        assertThat(context.containsBean("replyListener")).as("reply listener").isFalse();
        assertThat(context.containsBean("sagaStartListeners")).as("saga-start consumer").isFalse();
        assertThat(context.getBeanNamesForType(Class.forName("io.sagaflow.saga.DeadlineWatcher")))
                .as("deadline watcher").isEmpty();
    }

    @Test
    @DisplayName("an OrderPlaced event starts no saga here: no queue of this instance consumes it")
    void orderPlacedStartsNoSaga() throws Exception {
        String orderId = "order-" + UUID.randomUUID();
        assertThat(amqpAdmin.getQueueInfo("sagaflow.examples.shop.order-placed")).as("saga-start queue").isNull();

        MessageProperties properties = new MessageProperties();
        properties.setMessageId(UUID.randomUUID().toString());
        properties.setType("shop.order-placed");
        properties.setContentType(MessageProperties.CONTENT_TYPE_JSON);
        byte[] event = objectMapper.writeValueAsBytes(orderInput(orderId));
        rabbit.send("sagaflow.events", "shop.order-placed", new Message(event, properties));

        await("no saga of order " + orderId).during(QUIET).atMost(QUIET.plusSeconds(2))
                .until(() -> runtime.createProcessInstanceQuery().processInstanceBusinessKey(orderId).count() == 0
                        && inboxRows("order-saga-starter") == 0);
    }

    @Test
    @DisplayName("refuses to start a saga (a start runs its first step) with 503, and writes no step and no command")
    void startsNoSaga() {
        String orderId = "order-" + UUID.randomUUID();

        assertThatThrownBy(() -> sagas.start("order-fulfillment", orderInput(orderId)))
                .isInstanceOf(UnavailableException.class)
                .hasMessageContaining("orchestrator");
        assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(orderId).count()).isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.saga_step", Long.class)).isZero();
        assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.outbox_message WHERE exchange = ?", Long.class,
                "sagaflow.commands")).isZero();
    }

    private static Map<String, Object> orderInput(String orderId) {
        Map<String, Object> order = new LinkedHashMap<>();
        order.put("orderId", orderId);
        order.put("customerId", "customer-" + UUID.randomUUID());
        order.put("sku", "SKU-" + UUID.randomUUID());
        order.put("quantity", 1);
        order.put("amount", 10.0);
        order.put("country", "DE");
        return order;
    }

    private long inboxRows(String consumer) {
        return jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.inbox_message WHERE consumer = ?", Long.class,
                consumer);
    }
}
