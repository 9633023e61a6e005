package io.sagaflow.txmessage.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import io.sagaflow.testing.FixtureService;
import io.sagaflow.testing.ParticipantTestBed;
import io.sagaflow.testing.QueryPlans;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.amqp.core.BindingBuilder;
import org.springframework.amqp.core.DirectExchange;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.core.Queue;
import org.springframework.amqp.rabbit.connection.CachingConnectionFactory;
import org.springframework.amqp.rabbit.core.RabbitAdmin;
import org.springframework.amqp.rabbit.core.RabbitTemplate;

/**
 * The producer client in a plain Spring Boot application ({@code src/service/src/test/producer-fixture}:
 * a ticket shop whose pom names {@code io.sagaflow:sagaflow-producer-client} and the JDBC driver, and
 * nothing else of Sagaflow), in a JVM and a PostgreSQL database of its own, against the real
 * orchestrator on RabbitMQ: committed sales are delivered once each, refused ones never, and the
 * shop answers a check-back for a message it never committed.
 *
 * <p>Real-services profile (PostgreSQL, a local RabbitMQ whose {@code rabbitmqctl} it calls,
 * {@code mvn} on the PATH); it fails without them, it never skips.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@DisplayName("The producer client in a plain Spring Boot application sends half messages through Sagaflow")
class ProducerClientInPlainApplicationPostgresTests {

    private static final Path FIXTURE = Path.of("src", "service", "src", "test", "producer-fixture");
    private static final Duration TIMEOUT = Duration.ofSeconds(90);
    private static final String QUEUE = "fixture.tickets.sold";

    private final ParticipantTestBed bed = new ParticipantTestBed("producer", "sagaflow_producer_tickets", TIMEOUT);
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final List<String> sold = List.of("sale-" + run + "-1", "sale-" + run + "-2", "sale-" + run + "-3");
    private final List<String> refused = List.of("refused-" + run + "-1", "refused-" + run + "-2");
    private CachingConnectionFactory rabbit;

    @BeforeAll
    void start() throws Exception {
        bed.createVirtualHostAndDatabases();
        bed.startOrchestrator("none");
        rabbit = new CachingConnectionFactory(ParticipantTestBed.RABBIT_HOST);
        rabbit.setVirtualHost(bed.virtualHost());
        RabbitAdmin admin = new RabbitAdmin(rabbit);
        DirectExchange exchange = new DirectExchange("fixture.tickets");
        Queue queue = new Queue(QUEUE);
        admin.declareExchange(exchange);
        admin.declareQueue(queue);
        admin.declareBinding(BindingBuilder.bind(queue).to(exchange).with("ticket.sold"));

        String classpath = new FixtureService(FIXTURE, Path.of("target", "producer-fixture"))
                .build("src/producer-client", "sagaflow-producer-client", "sagaflow-contract", "sagaflow-publisher");
        bed.startParticipant("the ticket shop", FixtureService.java(classpath,
                        "producerfixture.tickets.TicketSalesApplication", List.of(
                                "--spring.datasource.url=" + QueryPlans.SERVER + bed.participantDb(),
                                "--spring.datasource.username=" + QueryPlans.USER,
                                "--spring.rabbitmq.host=" + ParticipantTestBed.RABBIT_HOST,
                                "--spring.rabbitmq.virtual-host=" + bed.virtualHost(),
                                "--fixture.sales=" + String.join(",", sold),
                                "--fixture.refused=" + String.join(",", refused))),
                Path.of("target", "ticket-sales-producer.log"), "Ticket sales done");
    }

    @AfterAll
    void stop() {
        if (rabbit != null) {
            rabbit.destroy();
        }
        bed.close();
    }

    @Test
    @DisplayName("committed sales are delivered once each, refused ones are rolled back and never delivered; the shop's rows match")
    void committedSalesAreDeliveredRefusedOnesNever() throws Exception {
        for (String sale : sold) {
            assertThat(decision(sale)).isEqualTo("COMMITTED by PRODUCER");
        }
        for (String sale : refused) {
            assertThat(decision(sale)).isEqualTo("ROLLED_BACK by PRODUCER");
        }
        // Decided: every committed message is in the queue once the relay has published it.
        RabbitTemplate template = new RabbitTemplate(rabbit);
        List<String> delivered = new ArrayList<>();
        await("the three sales in " + QUEUE).atMost(TIMEOUT).until(() -> {
            Message message = template.receive(QUEUE, 200);
            if (message != null) {
                delivered.add(message.getMessageProperties().getMessageId() + " "
                        + new String(message.getBody(), StandardCharsets.UTF_8));
            }
            return delivered.size() >= sold.size();
        });
        assertThat(template.receive(QUEUE, 2000)).as("a fourth message").isNull();
        assertThat(delivered).containsExactlyInAnyOrder(sold.stream()
                .map(sale -> sale + " {\"sale\":\"" + sale + "\"}").toArray(String[]::new));
        assertThat(bed.list("SELECT id FROM tickets.sale ORDER BY id")).containsExactlyElementsOf(sold);
    }

    @Test
    @DisplayName("a half message of group tickets that the shop never committed is rolled back by its answer to the check-back")
    void theShopAnswersACheckBack() throws Exception {
        String stray = "stray-" + run;
        bed.postJson("/api/tx-messages", Map.of("id", stray, "producerGroup", "tickets", "exchange", "fixture.tickets",
                "routingKey", "ticket.sold", "payload", "{\"sale\":\"" + stray + "\"}"), 201);
        await("the check-back's answer for " + stray).atMost(TIMEOUT).pollInterval(Duration.ofMillis(500))
                .until(() -> decision(stray), "ROLLED_BACK by CHECK_BACK"::equals);
        assertThat(bed.list("SELECT outcome FROM tickets.tx_outcome WHERE message_id = ?", stray))
                .as("the shop's outcome table").containsExactly("ROLLBACK");
    }

    private String decision(String id) throws Exception {
        JsonNode message = bed.getJson("/api/tx-messages/" + id);
        return message.path("state").asText() + " by " + message.path("decidedBy").asText();
    }
}
