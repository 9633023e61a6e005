package io.sagaflow.contract;

/**
 * AMQP headers of the message contract. A command carries them; its reply echoes them, so either
 * side can tell which saga, step and attempt a message belongs to without parsing the body.
 */
public final class SagaHeaders {

    /** Camunda process instance id. */
    public static final String SAGA_ID = "sagaflow-saga-id";
    public static final String BUSINESS_KEY = "sagaflow-business-key";
    public static final String PROCESS_KEY = "sagaflow-process-key";
    /** Activity id of the forward step; a compensation names the step it undoes. */
    public static final String STEP = "sagaflow-step";
    /** {@code ACTION} or {@code COMPENSATION}. */
    public static final String OP = "sagaflow-op";
    /** 1 for the first command of a step activity, +1 for every re-send. */
    public static final String ATTEMPT = "sagaflow-attempt";
    /** On replies: {@code SUCCESS}, {@code BUSINESS_FAILURE} or {@code TECHNICAL_FAILURE}. */
    public static final String OUTCOME = "sagaflow-outcome";
    /**
     * On commands: prefix of the saga's command context, one header per variable named in
     * {@code sagaflow.saga.command-context} that the saga has ({@code sagaflow-context-<variable>}:
     * the variable's value, arrays and objects as JSON text). Participants may read it; nothing else
     * does.
     */
    public static final String CONTEXT_PREFIX = "sagaflow-context-";

    private SagaHeaders() {
    }
}
