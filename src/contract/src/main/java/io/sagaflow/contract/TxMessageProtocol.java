package io.sagaflow.contract;

/**
 * The AMQP contract of transactional (half) messages, shared by Sagaflow and every producer.
 * Producers in other languages implement exactly this (see docs/transactional-messages.md).
 *
 * <p>Producer → Sagaflow: a message to the direct exchange {@value #REQUESTS_EXCHANGE} whose routing
 * key <em>and</em> AMQP {@code type} are {@value #PREPARE}, {@value #COMMIT} or {@value #ROLLBACK}
 * (the type decides; the routing key only routes), with a unique {@code message_id} (Sagaflow's
 * inbox drops repeats of one id) and a JSON body: for prepare the same object as
 * {@code POST /api/tx-messages}, for commit and rollback {@code {"id": "..."}}.
 *
 * <p>Sagaflow → producer (check-back): a message to the direct exchange {@value #CHECKS_EXCHANGE}
 * with the producer group as routing key, so it reaches the queue {@link #checkQueue(String)} that
 * the group's producers declare and consume. Its {@code correlation_id} is the transactional
 * message's id, its {@code reply_to} the queue {@value #CHECK_REPLIES_QUEUE}; the producer publishes
 * the answer to the default exchange with {@code reply_to} as routing key, the same
 * {@code correlation_id}, a fresh {@code message_id} and the body
 * {@code {"id": "...", "decision": "COMMIT" | "ROLLBACK" | "UNKNOWN"}}.
 */
public final class TxMessageProtocol {

    /** Direct exchange of prepare, commit and rollback requests. */
    public static final String REQUESTS_EXCHANGE = "sagaflow.tx-messages";
    /** Sagaflow's queue of those requests (bound with all three routing keys). */
    public static final String REQUESTS_QUEUE = "sagaflow.tx-messages";
    public static final String PREPARE = "prepare";
    public static final String COMMIT = "commit";
    public static final String ROLLBACK = "rollback";

    /** Direct exchange of check-back requests; routing key = producer group. */
    public static final String CHECKS_EXCHANGE = "sagaflow.tx-checks";
    /** AMQP type of a check-back request. */
    public static final String CHECK_TYPE = "tx-check";
    /** Sagaflow's queue of check-back answers, the {@code reply_to} of every check. */
    public static final String CHECK_REPLIES_QUEUE = "sagaflow.tx-check-replies";
    /** AMQP type of a check-back answer. */
    public static final String CHECK_REPLY_TYPE = "tx-check-reply";

    /** Header on prepare/commit/rollback, checks and the delivered message: the transactional message's id. */
    public static final String MESSAGE_ID_HEADER = "sagaflow-tx-message-id";
    /** Header on checks and the delivered message: the producer group. */
    public static final String PRODUCER_GROUP_HEADER = "sagaflow-tx-producer-group";
    /** Header on checks: 1 for the first check-back of a message, +1 for each further one. */
    public static final String CHECK_HEADER = "sagaflow-tx-check";

    /** Headers Sagaflow sets itself; a prepare may not supply them. */
    public static final String RESERVED_HEADER_PREFIX = "sagaflow-tx-";

    private TxMessageProtocol() {
    }

    /** The queue a producer group consumes its check-backs from. */
    public static String checkQueue(String producerGroup) {
        return CHECKS_EXCHANGE + "." + producerGroup;
    }
}
