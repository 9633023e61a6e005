package io.sagaflow.saga;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.Association;
import org.camunda.bpm.model.bpmn.instance.BoundaryEvent;
import org.camunda.bpm.model.bpmn.instance.CompensateEventDefinition;
import org.camunda.bpm.model.bpmn.instance.ExtensionElements;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputOutput;
import org.camunda.bpm.model.bpmn.instance.camunda.CamundaInputParameter;

/** Reading a saga's BPMN model as the process tests check it: its steps' inputs and compensation handlers. */
final class BpmnModels {

    private BpmnModels() {
    }

    /** The model on the classpath at {@code resource} ({@code processes/....bpmn}). */
    static BpmnModelInstance read(String resource) throws IOException {
        try (InputStream bpmn = BpmnModels.class.getClassLoader().getResourceAsStream(resource)) {
            assertThat(bpmn).as(resource + " on the classpath").isNotNull();
            return Bpmn.readModelFromStream(bpmn);
        }
    }

    /** The task's camunda:inputParameter values by name, trimmed (empty for an empty one). */
    static Map<String, String> inputParameters(ServiceTask task) {
        ExtensionElements extensions = task.getExtensionElements();
        if (extensions == null) {
            return Map.of();
        }
        return extensions.getElementsQuery().filterByType(CamundaInputOutput.class).list().stream()
                .flatMap(io -> io.getCamundaInputParameters().stream())
                .collect(Collectors.toMap(CamundaInputParameter::getCamundaName,
                        parameter -> parameter.getTextContent() == null ? "" : parameter.getTextContent().trim(),
                        (first, second) -> first, LinkedHashMap::new));
    }

    /** The handlers associated with compensation boundary events attached to the step. */
    static List<ServiceTask> compensationHandlersOf(BpmnModelInstance model, ServiceTask step) {
        List<ServiceTask> handlers = new ArrayList<>();
        for (BoundaryEvent boundary : model.getModelElementsByType(BoundaryEvent.class)) {
            boolean compensation = boundary.getEventDefinitions().stream()
                    .anyMatch(CompensateEventDefinition.class::isInstance);
            if (!compensation || boundary.getAttachedTo() != step) {
                continue;
            }
            for (Association association : model.getModelElementsByType(Association.class)) {
                if (association.getSource() == boundary && association.getTarget() instanceof ServiceTask handler
                        && handler.isForCompensation()) {
                    handlers.add(handler);
                }
            }
        }
        return handlers;
    }
}
