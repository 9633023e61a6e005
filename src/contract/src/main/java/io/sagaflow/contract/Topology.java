package io.sagaflow.contract;

/**
 * Names of the exchanges and queues every Sagaflow role agrees on.
 *
 * <p>Commands go to a topic exchange with the command name as routing key ({@code inventory.reserve}),
 * so a participant binds its queue to its own prefix ({@code inventory.*}). Replies go to a direct
 * exchange, routed by the command's {@code reply_to}.
 */
public final class Topology {

    public static final String COMMANDS_EXCHANGE = "sagaflow.commands";
    public static final String REPLIES_EXCHANGE = "sagaflow.replies";

    /** Routing key (and {@code reply_to} of every command) under which the orchestrator gets replies. */
    public static final String ORCHESTRATOR_REPLY_KEY = "orchestrator";
    public static final String ORCHESTRATOR_REPLIES_QUEUE = "sagaflow.orchestrator.replies";

    /**
     * Type of the message the orchestrator sends itself through its replies queue when a step's
     * deadline passes: it is judged only after every reply queued before it (no participant sends it).
     */
    public static final String DEADLINE_PASSED_TYPE = "sagaflow.deadline-passed";

    /**
     * Type of the message the outbox relay sends, through the replies exchange to the command's
     * {@code reply_to}, when the broker returned a command as unroutable (no queue is bound for its
     * routing key): the command never reached a participant, so its step fails at once instead of
     * waiting for its deadline. Correlated to the command like a reply; no participant sends it.
     */
    public static final String COMMAND_UNDELIVERABLE_TYPE = "sagaflow.command-undeliverable";

    /**
     * The orchestrator's own command queue: the commands of sub-saga steps ({@code sagaflow.saga.*}),
     * bound to {@link #COMMANDS_EXCHANGE} like a participant's queue.
     */
    public static final String SUB_SAGAS_QUEUE = "sagaflow.orchestrator.sub-sagas";

    /**
     * Topic exchange of events: saga-end events ({@code <processKey>.<status>}, e.g.
     * {@code order-fulfillment.completed}) and business events such as the shop's {@code shop.order-placed}.
     */
    public static final String EVENTS_EXCHANGE = "sagaflow.events";

    /**
     * Topic exchange of the events a waiting saga is sent (a message catch event: "bank confirmed the
     * transfer"): type = the BPMN message's name, message id = the event id, header
     * {@link SagaHeaders#SAGA_ID}; any routing key (the event's name, by convention).
     */
    public static final String SAGA_EVENTS_EXCHANGE = "sagaflow.saga-events";
    /** The orchestrator's queue of {@link #SAGA_EVENTS_EXCHANGE}, bound with {@code #}. */
    public static final String SAGA_EVENTS_QUEUE = "sagaflow.orchestrator.saga-events";

    private Topology() {
    }

    public static String participantQueue(String participant) {
        return "sagaflow.participant." + participant;
    }
}
