package io.sagaflow.tracing;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.propagation.Propagator;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * One trace per saga, across the outbox, the broker and the participants: W3C trace context
 * ({@code traceparent}, {@code tracestate}, {@code baggage}) rides in every outbox row's headers and
 * so in every AMQP message, and every consumer continues it.
 *
 * <ul>
 *   <li>writing a message: a PRODUCER span, child of the current span, whose context goes into the
 *       row's headers ({@link #producerHeaders}); a row that already carries a context keeps it, so
 *       requeue, replay and re-publish continue the original trace;</li>
 *   <li>consuming: a CONSUMER span, child of the context the message carries ({@link #consuming});</li>
 *   <li>work no message or request starts (a retry job, a deadline): a span under the saga's own
 *       context, stored with the saga at its start ({@link #inSpan}).</li>
 * </ul>
 * Micrometer Tracing with the OpenTelemetry bridge; exported over OTLP when
 * {@code management.otlp.tracing.endpoint} is set, and a no-op tracer when tracing is off.
 */
@Component
public class SagaTracing {

    public static final String TRACEPARENT = "traceparent";
    public static final String TRACESTATE = "tracestate";
    public static final String BAGGAGE = "baggage";

    /** Message headers that become span tags, under these names. */
    private static final Map<String, String> TAGGED_HEADERS = Map.of(
            "sagaflow-saga-id", "saga.id", "sagaflow-business-key", "saga.business_key",
            "sagaflow-process-key", "saga.process_key", "sagaflow-step", "saga.step", "sagaflow-op", "saga.op",
            "sagaflow-attempt", "saga.attempt", "sagaflow-outcome", "saga.outcome");

    private final Tracer tracer;
    private final Propagator propagator;

    @Autowired
    SagaTracing(ObjectProvider<Tracer> tracer, ObjectProvider<Propagator> propagator) {
        this(tracer.getIfAvailable(() -> Tracer.NOOP), propagator.getIfAvailable(() -> Propagator.NOOP));
    }

    private SagaTracing(Tracer tracer, Propagator propagator) {
        this.tracer = tracer;
        this.propagator = propagator;
    }

    /** Tracing that records nothing, for code running outside Spring (process tests). */
    public static SagaTracing noop() {
        return new SagaTracing(Tracer.NOOP, Propagator.NOOP);
    }

    /**
     * The headers of a message about to be written, with the trace context of a PRODUCER span named
     * {@code name} (ended at once: the publish itself happens after commit, in the relay).
     */
    public Map<String, String> producerHeaders(String name, Map<String, String> headers) {
        if (headers.containsKey(TRACEPARENT)) {
            return headers;
        }
        Span span = tracer.spanBuilder().name(name).kind(Span.Kind.PRODUCER).start();
        tag(span, headers);
        Map<String, String> traced = new LinkedHashMap<>(headers);
        propagator.inject(span.context(), traced, Map::put);
        span.end();
        return traced;
    }

    /**
     * Runs {@code work} in a CONSUMER span named {@code name}, child of the trace context in the
     * message's headers (a new trace if it carries none). A reply refusing its step, or a failure
     * of the work, marks the span as an error.
     */
    public void consuming(String name, Map<String, ?> headers, Runnable work) {
        Span span = propagator.extract(headers, (carrier, key) -> {
            Object value = carrier.get(key);
            return value == null ? null : value.toString();
        }).name(name).kind(Span.Kind.CONSUMER).start();
        Map<String, String> text = new LinkedHashMap<>();
        headers.forEach((key, value) -> text.put(key, value == null ? null : value.toString()));
        tag(span, text);
        String outcome = text.get("sagaflow-outcome");
        if (outcome != null && !"SUCCESS".equals(outcome)) {
            span.error(new IllegalStateException("step answered " + outcome));
        }
        run(span, () -> {
            work.run();
            return null;
        });
    }

    /**
     * Runs {@code work} in a span named {@code name}: a child of the current span, or, if there is
     * none and {@code traceparent} is given (a saga's stored context), a child of that.
     */
    public <T> T inSpan(String name, Map<String, String> tags, String traceparent, Supplier<T> work) {
        Span span;
        if (tracer.currentSpan() == null && traceparent != null) {
            span = propagator.extract(Map.of(TRACEPARENT, traceparent), Map::get).name(name).start();
        } else {
            span = tracer.nextSpan().name(name).start();
        }
        tags.forEach((key, value) -> {
            if (value != null) {
                span.tag(key, value);
            }
        });
        return run(span, work);
    }

    /** The current span's {@code traceparent}, or {@code null} without one (or with tracing off). */
    public String currentTraceparent() {
        Span current = tracer.currentSpan();
        if (current == null) {
            return null;
        }
        Map<String, String> carrier = new LinkedHashMap<>();
        propagator.inject(current.context(), carrier, Map::put);
        return carrier.get(TRACEPARENT);
    }

    /** The trace id of a {@code traceparent} ({@code 00-<trace id>-<span id>-<flags>}). */
    public static String traceIdOf(String traceparent) {
        if (traceparent == null) {
            return null;
        }
        String[] parts = traceparent.split("-");
        return parts.length == 4 ? parts[1] : null;
    }

    private <T> T run(Span span, Supplier<T> work) {
        try (Tracer.SpanInScope scope = tracer.withSpan(span)) {
            return work.get();
        } catch (RuntimeException | Error e) {
            span.error(e);
            throw e;
        } finally {
            span.end();
        }
    }

    private static void tag(Span span, Map<String, String> headers) {
        TAGGED_HEADERS.forEach((header, tag) -> {
            String value = headers.get(header);
            if (value != null) {
                span.tag(tag, value);
            }
        });
    }
}
