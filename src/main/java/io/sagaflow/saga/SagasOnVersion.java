package io.sagaflow.saga;

/**
 * How many sagas of one definition version have not ended (running, compensating or waiting in an
 * incident): after a redeployment the old version's sagas finish on it, beside the new one's.
 *
 * @param version the definition's version; null for sagas started before Sagaflow recorded it
 */
public record SagasOnVersion(String processKey, Integer version, long running) {
}
