package io.sagaflow.saga;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.repository.ProcessDefinition;

/**
 * How many sagas of one definition version have not ended (running, compensating or waiting in an
 * incident): after a redeployment the old version's sagas finish on it, beside the new one's.
 *
 * @param version the definition's version; null for sagas started before Sagaflow recorded it
 * @param latestVersion the latest deployed version of the same saga (new sagas start on it)
 */
public record SagasOnVersion(String processKey, Integer version, long running, Integer latestVersion) {

    /** The rows with the latest deployed version of each saga filled in. */
    static List<SagasOnVersion> withLatest(List<SagasOnVersion> rows, RepositoryService repository) {
        Map<String, Integer> latest = new HashMap<>();
        return rows.stream().map(row -> new SagasOnVersion(row.processKey(), row.version(), row.running(),
                latest.computeIfAbsent(row.processKey(), key -> {
                    ProcessDefinition definition = repository.createProcessDefinitionQuery().processDefinitionKey(key)
                            .latestVersion().singleResult();
                    return definition == null ? null : definition.getVersion();
                }))).toList();
    }
}
