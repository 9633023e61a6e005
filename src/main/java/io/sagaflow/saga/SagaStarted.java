package io.sagaflow.saga;

import java.util.Map;

/**
 * Published inside the transaction that starts a saga, so listeners may add their own rows to it
 * (or refuse the start by throwing).
 *
 * @param variables the saga's input variables as stored (arrays and objects as JSON text)
 */
record SagaStarted(String sagaId, String processKey, String businessKey, Map<String, Object> variables) {
}
