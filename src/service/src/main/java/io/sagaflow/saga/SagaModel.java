package io.sagaflow.saga;

/**
 * The names a BPMN model and Sagaflow agree on. The element templates in
 * {@code processes/element-templates/} write exactly these.
 */
public final class SagaModel {

    /** Bean name of the step behaviour: {@code camunda:delegateExpression="${sagaStep}"}. */
    public static final String STEP_BEAN = "sagaStep";

    /** Input parameter: the command to send, also its AMQP type and routing key. */
    public static final String INPUT_COMMAND = "command";
    /**
     * Input parameter: comma-separated process variables that form the command's JSON payload, each
     * {@code variable} (sent under its own name) or {@code field=variable} (sent as {@code field}).
     */
    public static final String INPUT_PAYLOAD_VARIABLES = "payloadVariables";
    /**
     * Input parameter: comma-separated reply result fields copied into process variables, each
     * {@code field} or {@code field:variable}.
     */
    public static final String INPUT_RESULT_VARIABLES = "resultVariables";

    /** Input parameter: ISO-8601 duration to wait for the reply (default {@code sagaflow.saga.default-deadline}). */
    static final String INPUT_DEADLINE = "deadline";

    /** Error code of the BPMN error a business failure reply raises. */
    public static final String STEP_REJECTED_ERROR = "SAGA_STEP_REJECTED";

    /**
     * Process extension property naming the variable that holds the business key (e.g.
     * {@code orderId}); without it the start request's {@code businessKey} or a generated id is used.
     */
    static final String BUSINESS_KEY_VARIABLE_PROPERTY = "sagaflow.businessKeyVariable";

    /**
     * Process extension property: the variables a start carries, comma-separated; a name ending in
     * {@code ?} is optional (e.g. {@code orderId,customerId,amount,simulate?}). A start without a
     * required one is refused (400 naming each), and the deployment check follows every payload
     * variable back to the start or an earlier step's result.
     */
    public static final String START_VARIABLES_PROPERTY = "sagaflow.startVariables";

    /**
     * Process extension property: {@code reverse} (default) sends compensations one after the other,
     * the last completed step first; {@code parallel} sends them all at once.
     */
    static final String COMPENSATION_ORDER_PROPERTY = "sagaflow.compensationOrder";

    /**
     * Process extension property: a deadline for the whole saga, an ISO-8601 duration from its start
     * (e.g. {@code PT2H}). When it passes while the saga runs, the saga compensates everything it
     * did, or raises an incident ({@value #ON_SAGA_DEADLINE_PROPERTY}).
     */
    static final String SAGA_DEADLINE_PROPERTY = "sagaflow.sagaDeadline";

    /** Process extension property: {@code compensate} (default) or {@code incident}, past the saga deadline. */
    static final String ON_SAGA_DEADLINE_PROPERTY = "sagaflow.onSagaDeadline";

    /** What a saga does when its saga deadline passes. */
    enum OnSagaDeadline {
        COMPENSATE, INCIDENT;

        /** @throws IllegalArgumentException naming the allowed values */
        static OnSagaDeadline of(String value) {
            if (value == null || value.isBlank()) {
                return COMPENSATE;
            }
            return switch (value.trim()) {
                case "compensate" -> COMPENSATE;
                case "incident" -> INCIDENT;
                default -> throw new IllegalArgumentException(ON_SAGA_DEADLINE_PROPERTY + " is 'compensate' or "
                        + "'incident', not '" + value + "'");
            };
        }
    }

    /**
     * The saga deadline a model sets, or {@code null}.
     *
     * @throws IllegalArgumentException if it is not a positive ISO-8601 duration
     */
    static java.time.Duration sagaDeadline(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        java.time.Duration deadline;
        try {
            deadline = java.time.Duration.parse(value.trim());
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException(SAGA_DEADLINE_PROPERTY + " is an ISO-8601 duration such as PT2H, not '"
                    + value + "'");
        }
        if (deadline.isNegative() || deadline.isZero()) {
            throw new IllegalArgumentException(SAGA_DEADLINE_PROPERTY + " must be positive, not " + value);
        }
        return deadline;
    }

    /** Set beside {@link #ABORT_REASON_VARIABLE} when the saga deadline, not an operator, aborted the saga. */
    static final String SAGA_DEADLINE_PASSED_VARIABLE = "sagaflowSagaDeadlinePassed";

    /** Process variable an abort sets; the next step rejects instead of sending its command. */
    static final String ABORT_REASON_VARIABLE = "abortReason";
    /** Set when the saga passes a compensation of everything it did: it ends COMPENSATED (SagaLifecycle). */
    static final String COMPENSATED_VARIABLE = "sagaflowCompensated";

    /**
     * A call activity's command to the orchestrator itself: start the called saga as a sub-saga of this
     * step ({@link SubSagas}); its reply comes when the sub-saga has done its work (SUCCESS) or
     * compensated on its own (BUSINESS_FAILURE).
     */
    public static final String SUB_SAGA_START_COMMAND = "sagaflow.saga.start";
    /** The command of a sub-saga step's compensation handler: compensate the sub-saga in full. */
    public static final String SUB_SAGA_COMPENSATE_COMMAND = "sagaflow.saga.compensate";
    /** Sent when the parent completes: its sub-sagas, which waited for the parent's outcome, end too. */
    static final String SUB_SAGA_COMPLETE_COMMAND = "sagaflow.saga.complete";
    /** Variable of a sub-saga: the parent saga's id (its registry row and GET /api/sagas/{id} link them too). */
    static final String PARENT_SAGA_VARIABLE = "sagaflowParentSagaId";

    private SagaModel() {
    }

    /** A {@code camunda:property} of the process's extension elements, or {@code null}. */
    static String processProperty(org.camunda.bpm.model.bpmn.instance.Process process, String name) {
        if (process == null || process.getExtensionElements() == null) {
            return null;
        }
        return process.getExtensionElements().getElementsQuery()
                .filterByType(org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperties.class).list().stream()
                .flatMap(properties -> properties.getCamundaProperties().stream())
                .filter(property -> name.equals(property.getCamundaName()))
                .map(org.camunda.bpm.model.bpmn.instance.camunda.CamundaProperty::getCamundaValue)
                .findFirst().orElse(null);
    }
}
