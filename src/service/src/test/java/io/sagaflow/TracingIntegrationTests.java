package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.sagaflow.contract.Topology;
import io.sagaflow.messaging.InboundMessage;
import io.sagaflow.messaging.ParkedMessages;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.amqp.core.Message;
import org.springframework.amqp.rabbit.core.RabbitTemplate;
import org.springframework.amqp.rabbit.listener.SimpleMessageListenerContainer;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.http.HttpEntity;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import io.sagaflow.testing.ApiSupport;
import io.sagaflow.testing.IntegrationTest;

/**
 * One trace per saga, read from an in-memory span exporter: the HTTP start, then for every step a
 * command (producer), its handling in the participant (consumer) and the reply (producer, consumer),
 * compensations in reverse order, a retried step after an incident, a parked and replayed reply, all
 * under the trace id the client sent in {@code traceparent}, which {@code GET /api/sagas/{id}} reports.
 */
@IntegrationTest
@DisplayName("One trace per saga")
class TracingIntegrationTests {

    private final ApiSupport api;
    private final JdbcTemplate jdbc;
    private final InMemorySpanExporter spans;
    private final SdkTracerProvider tracerProvider;
    private final RabbitTemplate rabbit;
    private final ParkedMessages parkedMessages;
    private final SimpleMessageListenerContainer replyListener;

    private String sku;

    TracingIntegrationTests(ApiSupport api, JdbcTemplate jdbc, InMemorySpanExporter spans,
                            SdkTracerProvider tracerProvider, RabbitTemplate rabbit, ParkedMessages parkedMessages,
                            @Qualifier("replyListener") SimpleMessageListenerContainer replyListener) {
        this.api = api;
        this.jdbc = jdbc;
        this.spans = spans;
        this.tracerProvider = tracerProvider;
        this.rabbit = rabbit;
        this.parkedMessages = parkedMessages;
        this.replyListener = replyListener;
    }

    @BeforeEach
    void setUp() {
        sku = api.freshSku(100);
    }

    @Test
    @DisplayName("a completed order is one trace: the HTTP start, and a command, its handling and its reply for each of 3 steps")
    void completedOrderIsOneTrace() throws Exception {
        String traceId = newTraceId();
        String sagaId = start(traceId, "DE", "10.00");
        assertThat(api.awaitFinished(sagaId).status()).isEqualTo("COMPLETED");
        assertThat(api.rest().getForObject("/api/sagas/{id}", JsonNode.class, sagaId).path("traceId").asText())
                .isEqualTo(traceId);

        List<SpanData> trace = awaitTrace(traceId, "handle shipping.schedule.reply");

        assertThat(trace).anySatisfy(span -> {
            assertThat(span.getKind()).isEqualTo(SpanKind.SERVER);
            assertThat(span.getName()).contains("/api/orders");
        });
        assertThat(names(trace)).contains("saga start order-fulfillment");
        for (String command : List.of("inventory.reserve", "payment.charge", "shipping.schedule")) {
            SpanData sent = single(trace, "send " + command, SpanKind.PRODUCER);
            SpanData handled = single(trace, "handle " + command, SpanKind.CONSUMER);
            SpanData replied = single(trace, "send " + command + ".reply", SpanKind.PRODUCER);
            SpanData correlated = single(trace, "handle " + command + ".reply", SpanKind.CONSUMER);
            assertThat(handled.getParentSpanId()).as("%s handled under its send", command).isEqualTo(sent.getSpanId());
            assertThat(replied.getParentSpanId()).as("%s reply sent while handling", command)
                    .isEqualTo(handled.getSpanId());
            assertThat(correlated.getParentSpanId()).as("%s reply correlated under its send", command)
                    .isEqualTo(replied.getSpanId());
            assertThat(sent.getAttributes().asMap().toString()).contains(sagaId);
            assertThat(correlated.getAttributes().asMap().toString()).contains("SUCCESS");
        }
        assertThat(names(trace)).contains("send saga.completed");
    }

    @Test
    @DisplayName("a compensated order's trace holds its compensations in reverse order and marks the refusal as an error")
    void compensatedOrderTraceHoldsCompensationsInReverse() throws Exception {
        String traceId = newTraceId();
        String sagaId = start(traceId, "XX", "11.00"); // shipping refuses XX after stock and payment
        assertThat(api.awaitFinished(sagaId).status()).isEqualTo("COMPENSATED");

        List<SpanData> trace = awaitTrace(traceId, "handle inventory.release.reply");

        SpanData refund = single(trace, "send payment.refund", SpanKind.PRODUCER);
        SpanData release = single(trace, "send inventory.release", SpanKind.PRODUCER);
        assertThat(refund.getStartEpochNanos()).as("payment refunded before the stock is released")
                .isLessThan(release.getStartEpochNanos());
        assertThat(single(trace, "handle shipping.schedule.reply", SpanKind.CONSUMER).getStatus().getStatusCode())
                .isEqualTo(StatusCode.ERROR);
        assertThat(names(trace)).contains("send saga.compensated");
    }

    @Test
    @DisplayName("a step retried after an incident stays in the saga's trace")
    void retriedStepStaysInTheTrace() throws Exception {
        String traceId = newTraceId();
        String sagaId = start(traceId, "DE", "12.00", "payment.charge:technical-failure-once");
        assertThat(api.awaitFinished(sagaId).status()).isEqualTo("FAILED");

        api.retryIncidentOf(sagaId);
        await("the retried saga completed").atMost(ApiSupport.SAGA_TIMEOUT)
                .until(() -> "COMPLETED".equals(api.saga(sagaId).status()));

        List<SpanData> trace = awaitTrace(traceId, "handle shipping.schedule.reply");

        assertThat(names(trace)).contains("saga step retry Task_ChargePayment", "send saga.failed",
                "send saga.completed");
        assertThat(trace.stream().filter(span -> span.getName().equals("send payment.charge")))
                .as("the charge sent twice, both in the trace").hasSize(2);
        assertThat(single(trace, "handle payment.charge.reply", SpanKind.CONSUMER, 0).getStatus().getStatusCode())
                .isEqualTo(StatusCode.ERROR);
    }

    @Test
    @DisplayName("a parked reply, replayed, continues the saga's trace")
    void replayedParkedReplyContinuesTheTrace() throws Exception {
        replyListener.stop();
        String traceId = newTraceId();
        String sagaId;
        long parkedId;
        try {
            sagaId = start(traceId, "DE", "13.00");
            Message reply = await("the saga's first reply").atMost(ApiSupport.SAGA_TIMEOUT)
                    .until(() -> ApiSupport.takeReplyOf(rabbit, sagaId), received -> received != null);
            reply.getMessageProperties().setConsumerQueue(Topology.ORCHESTRATOR_REPLIES_QUEUE);
            parkedMessages.park("orchestrator", InboundMessage.of(reply), "retries exhausted (simulated by the test)");
            parkedId = jdbc.queryForObject("SELECT MAX(id) FROM sagaflow.parked_message WHERE message_id = ?",
                    Long.class, reply.getMessageProperties().getMessageId());
        } finally {
            replyListener.start();
        }

        ResponseEntity<String> replayed = api.rest().postForEntity("/api/parked-messages/{id}/replay", null,
                String.class, parkedId);
        assertThat(replayed.getStatusCode()).isEqualTo(HttpStatus.ACCEPTED);
        assertThat(api.awaitFinished(sagaId).status()).isEqualTo("COMPLETED");

        List<SpanData> trace = awaitTrace(traceId, "handle shipping.schedule.reply");
        SpanData replyHandled = single(trace, "handle inventory.reserve.reply", SpanKind.CONSUMER);
        assertThat(replyHandled.getParentSpanId()).as("the replayed reply continues from its original send")
                .isEqualTo(single(trace, "send inventory.reserve.reply", SpanKind.PRODUCER).getSpanId());
        assertThat(names(trace)).contains("send payment.charge", "send saga.completed");
    }

    // --- helpers --------------------------------------------------------------------------

    private String start(String traceId, String country, String amount, String... simulate) throws Exception {
        Map<String, Object> variables = ApiSupport.orderVariables(sku, amount, country, simulate);
        HttpHeaders headers = new HttpHeaders();
        headers.setContentType(MediaType.APPLICATION_JSON);
        headers.set("traceparent", "00-" + traceId + "-" + UUID.randomUUID().toString().replace("-", "")
                .substring(0, 16) + "-01");
        // POST /api/sagas/{key} for the simulation variable, /api/orders otherwise: both start the same saga.
        String path = simulate.length > 0 ? "/api/sagas/order-fulfillment" : "/api/orders";
        Object body = simulate.length > 0 ? variables : Map.of("customerId", variables.get("customerId"), "sku", sku,
                "quantity", 1, "amount", variables.get("amount"), "country", country);
        ResponseEntity<String> started = api.rest().exchange(path, HttpMethod.POST,
                new HttpEntity<>(api.json(body), headers), String.class);
        assertThat(started.getStatusCode()).as("start: %s", started.getBody()).isEqualTo(HttpStatus.ACCEPTED);
        return api.readJson(started.getBody()).path("sagaId").asText();
    }

    private List<SpanData> awaitTrace(String traceId, String lastSpan) {
        await("span " + lastSpan + " of trace " + traceId).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(250)).until(() -> {
                    tracerProvider.forceFlush().join(5, TimeUnit.SECONDS);
                    return trace(traceId).stream().anyMatch(span -> span.getName().equals(lastSpan));
                });
        return trace(traceId);
    }

    private List<SpanData> trace(String traceId) {
        return spans.getFinishedSpanItems().stream().filter(span -> span.getTraceId().equals(traceId))
                .sorted(Comparator.comparingLong(SpanData::getStartEpochNanos)).toList();
    }

    private static List<String> names(List<SpanData> trace) {
        return trace.stream().map(SpanData::getName).toList();
    }

    private static SpanData single(List<SpanData> trace, String name, SpanKind kind) {
        List<SpanData> found = trace.stream().filter(span -> span.getName().equals(name)).toList();
        assertThat(found).as("spans named %s in %s", name, names(trace)).hasSize(1);
        assertThat(found.get(0).getKind()).as("kind of %s", name).isEqualTo(kind);
        return found.get(0);
    }

    /** The {@code index}th span (by start) of that name and kind. */
    private static SpanData single(List<SpanData> trace, String name, SpanKind kind, int index) {
        List<SpanData> found = trace.stream().filter(span -> span.getName().equals(name) && span.getKind() == kind)
                .toList();
        assertThat(found).as("spans named %s in %s", name, names(trace)).hasSizeGreaterThan(index);
        return found.get(index);
    }

    private static String newTraceId() {
        return UUID.randomUUID().toString().replace("-", "");
    }
}
