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
    /** Input parameter: comma-separated process variables that form the command's JSON payload. */
    public static final String INPUT_PAYLOAD_VARIABLES = "payloadVariables";
    /**
     * Input parameter: comma-separated reply result fields copied into process variables, each
     * {@code field} or {@code field:variable}.
     */
    public static final String INPUT_RESULT_VARIABLES = "resultVariables";

    /** Error code of the BPMN error a business failure reply raises. */
    public static final String STEP_REJECTED_ERROR = "SAGA_STEP_REJECTED";

    /**
     * Process extension property naming the variable that holds the business key (e.g.
     * {@code orderId}); without it the start request's {@code businessKey} or a generated id is used.
     */
    public static final String BUSINESS_KEY_VARIABLE_PROPERTY = "sagaflow.businessKeyVariable";

    /** Incident type of a step whose participant answered TECHNICAL_FAILURE. */
    public static final String STEP_FAILED_INCIDENT = "sagaStepFailed";

    private SagaModel() {
    }
}
