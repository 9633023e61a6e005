package io.sagaflow.start;

import java.util.Map;

import org.springframework.http.ResponseEntity;

/**
 * Starts a saga and answers as every start endpoint does: {@code 202 Accepted} for a saga this call
 * started, {@code 200 OK} for the saga an earlier call with the same business key and input started,
 * {@code Location: /api/sagas/{sagaId}} either way. A start refused (other input for the business
 * key: 409; no such saga type: 404; invalid input: 400) is thrown and answered as problem+json.
 *
 * <p>The one way code outside the {@code saga} package starts a saga in-process: a typed front door
 * (the examples' {@code POST /api/orders}) uses this, never {@code io.sagaflow.saga}. Participants do
 * not start sagas in-process at all: they publish an event ({@code sagaflow.saga.start-on-events}).
 */
public interface SagaStarter {

    /**
     * @param processKey the saga type (BPMN process key); its latest version starts
     * @param input the saga's input variables; the model's business-key variable among them
     */
    ResponseEntity<StartedSaga> start(String processKey, Map<String, Object> input);
}
