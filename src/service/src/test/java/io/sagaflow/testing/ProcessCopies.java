package io.sagaflow.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;

import org.camunda.bpm.engine.RepositoryService;
import org.springframework.core.io.ClassPathResource;

/**
 * Deploys a copy of one of the shipped sagas under a fresh process key, so a test's filters and
 * counts see its own sagas only; {@code edits} replace text in the model (a property, an input).
 */
public final class ProcessCopies {

    private ProcessCopies() {
    }

    /** @return the copy's process key: {@code keyPrefix} and a random suffix */
    public static String deploy(RepositoryService repository, String processKey, String keyPrefix,
                                Map<String, String> edits) throws IOException {
        String copyKey = keyPrefix + UUID.randomUUID().toString().substring(0, 8);
        String model = new String(new ClassPathResource("processes/" + processKey + ".bpmn").getInputStream()
                .readAllBytes(), StandardCharsets.UTF_8).replace("\"" + processKey + "\"", "\"" + copyKey + "\"");
        for (Map.Entry<String, String> edit : edits.entrySet()) {
            model = model.replace(edit.getKey(), edit.getValue());
        }
        repository.createDeployment().name(copyKey).addString(copyKey + ".bpmn", model).deploy();
        return copyKey;
    }
}
