package io.sagaflow.saga;

import java.time.Duration;
import java.util.List;

import jakarta.validation.Valid;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Saga execution.
 *
 * @param defaultDeadline a step's deadline when its model sets none: every wait has one
 * @param deadlineCheckInterval how often overdue steps are looked for (on every instance; claims
 *     use {@code SKIP LOCKED})
 * @param maxPayloadBytes a step whose mapped payload is larger fails with an incident naming it
 * @param compensationAttempts a compensation without a reply within its deadline is sent again (the
 *     barrier makes that safe) until this many attempts; then it becomes an incident
 * @param commandContext saga variables that travel with every command of a saga that has them, as
 *     the header {@code sagaflow-context-<variable>} (reserved variable names; see
 *     {@link CommandContextVariable})
 * @param startOnEvents committed events that start a saga (see {@link StartOnEvent})
 * @param deadlineGrace overdue steps are left alone this long after this instance starts, after its
 *     broker connection comes back and after a database error (and while the broker is unreachable):
 *     commands held back and replies queued during the outage get through before their steps'
 *     deadlines are judged, instead of racing them
 * @param replyPrefetch replies each consumer of the replies queue takes ahead; the rest wait in the
 *     queue, where admission sees them ({@code sagaflow.admission.max-reply-wait})
 * @param camundaActivityHistory with history level {@code saga}, record Camunda's activity instances
 *     and variables too ({@link SagaHistoryLevel}): off, the saga tables are a saga's history
 * @param inputAsVariables start sagas with their input as Camunda variables, one per field, as
 *     before {@link SagaInputs}: for models whose scripts or decision tables read inputs directly
 */
@Validated
@ConfigurationProperties("sagaflow.saga")
record SagaProperties(
        @DefaultValue("PT5M") @NotNull Duration defaultDeadline,
        @DefaultValue("PT1S") @NotNull Duration deadlineCheckInterval,
        @DefaultValue("65536") @Min(2) int maxPayloadBytes,
        @DefaultValue("5") @Min(1) int compensationAttempts,
        @DefaultValue @Valid List<CommandContextVariable> commandContext,
        @DefaultValue @Valid List<StartOnEvent> startOnEvents,
        @DefaultValue("PT20S") @NotNull Duration deadlineGrace,
        @DefaultValue("5") @Min(1) int replyPrefetch,
        @DefaultValue("false") boolean camundaActivityHistory,
        @DefaultValue("false") boolean inputAsVariables) {

    /**
     * A saga variable every command of the saga carries (e.g. a demo's failure simulation). The
     * orchestrator only forwards it: what it means is the participants' business.
     *
     * @param variable the variable's name; the header is {@code sagaflow-context-<variable>}
     * @param entryPattern optional: the variable must then be a list of texts, each matching this
     *     regular expression, or the start is refused with 400 naming the variable
     */
    record CommandContextVariable(@NotBlank String variable, String entryPattern) {
    }

    /**
     * A committed event that starts a saga: the orchestrator declares a durable queue bound to
     * {@code exchange} with {@code routingKey} and starts {@code processKey} per event, with the
     * event's JSON fields as input (one saga per business key, see {@link SagaRegistry}). An event
     * that is not a JSON object, lacks a required field, or has other input than the saga its business
     * key already started is parked.
     *
     * @param consumer the inbox consumer name (deduplication by message id) and the queue's consumer
     * @param queue the queue's name
     * @param exchange the topic exchange the event is published to
     * @param requiredFields fields every event must have (non-null, texts non-blank)
     */
    record StartOnEvent(
            @NotBlank String consumer,
            @NotBlank String queue,
            @DefaultValue("sagaflow.events") @NotBlank String exchange,
            @NotBlank String routingKey,
            @NotBlank String processKey,
            @DefaultValue List<String> requiredFields) {
    }
}
