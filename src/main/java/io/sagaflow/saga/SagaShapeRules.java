package io.sagaflow.saga;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParse;
import org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity;
import org.camunda.bpm.engine.impl.util.xml.Element;
import org.camunda.bpm.engine.impl.util.xml.Namespace;

/**
 * The shapes a saga may not have, checked when a process is deployed (engine-rest, Cockpit, or
 * {@code processes/} at start-up): a saga that Sagaflow cannot compensate correctly is refused with
 * the element, the rule and the fix, instead of leaving bookings behind later. The same rules, with
 * the same ids, are a bpmnlint plugin in {@code processes/bpmnlint-plugin-sagaflow}, so a modeller sees
 * them while drawing; {@code processes/lint-examples} holds one refused model per rule, which both
 * implementations are tested against.
 *
 * <p>A process is a saga if it has a saga step ({@code ${sagaStep}}) anywhere; other processes are
 * left alone.
 */
public final class SagaShapeRules {

    private static final String STEP_EXPRESSION = "${" + SagaModel.STEP_BEAN + "}";
    private static final Namespace CAMUNDA = BpmnParse.CAMUNDA_BPMN_EXTENSIONS_NS;

    /** Rule ids, as bpmnlint reports them. */
    static final String COMPENSATION_HAS_BOUNDARY = "sagaflow/compensation-has-boundary";
    static final String NO_STEP_IN_LOOP = "sagaflow/no-step-in-loop";
    static final String NO_STEP_IN_NON_INTERRUPTING_EVENT_SUBPROCESS = "sagaflow/no-step-in-non-interrupting-event-subprocess";
    static final String NO_TERMINATE_END_EVENT = "sagaflow/no-terminate-end-event";
    static final String NO_TRANSACTION = "sagaflow/no-transaction";
    static final String WAIT_HAS_DEADLINE = "sagaflow/wait-has-deadline";

    /** One broken rule on one element. */
    record Violation(String elementId, String rule, String message) {
        @Override
        public String toString() {
            return elementId + ": " + rule + ": " + message;
        }
    }

    private SagaShapeRules() {
    }

    /** Refuses a saga process with a broken rule; registered by {@link SagaEnginePlugin}. */
    public static final class ParseListener extends AbstractBpmnParseListener {
        @Override
        public void parseProcess(Element process, ProcessDefinitionEntity definition) {
            List<Violation> violations = check(process);
            if (!violations.isEmpty()) {
                StringBuilder message = new StringBuilder("Sagaflow refuses the saga '" + definition.getKey()
                        + "': it has a shape Sagaflow cannot compensate correctly (docs/modelling.md, shapes you "
                        + "can draw):");
                violations.forEach(violation -> message.append("\n- ").append(violation));
                throw new ProcessEngineException(message.toString());
            }
        }
    }

    /** The violations of a {@code bpmn:process} element; none if it is no saga. */
    static List<Violation> check(Element process) {
        Model model = new Model(process);
        if (!model.isSaga()) {
            return List.of();
        }
        List<Violation> violations = new ArrayList<>();
        model.compensationHandlersWithoutBoundary().forEach(handler -> violations.add(new Violation(handler,
                COMPENSATION_HAS_BOUNDARY, "this compensation task is not attached to any step: no compensation "
                + "boundary event points to it, so it never runs and what its step did stays. Attach a compensation "
                + "boundary event to the step it undoes and connect the two with an association")));
        for (Element step : model.steps) {
            if (model.inLoop(step)) {
                violations.add(new Violation(step.attribute("id"), NO_STEP_IN_LOOP, "this saga step can run more "
                        + "than once in a loop: every round would send the same step to its participant, which "
                        + "answers a repeat with its first answer and does nothing. Use a multi-instance marker "
                        + "(each instance is a step of its own) instead of a loop"));
            }
            String eventSubprocess = model.nonInterruptingEventSubprocessAround(step);
            if (eventSubprocess != null) {
                violations.add(new Violation(step.attribute("id"), NO_STEP_IN_NON_INTERRUPTING_EVENT_SUBPROCESS,
                        "this saga step runs in the non-interrupting event subprocess " + eventSubprocess + ", "
                        + "beside the saga's own flow: a compensation of the saga would not reach it. Make the event "
                        + "subprocess interrupting, or move the step into the saga's flow"));
            }
        }
        model.all("endEvent").stream().filter(end -> end.element("terminateEventDefinition") != null)
                .forEach(end -> violations.add(new Violation(end.attribute("id"), NO_TERMINATE_END_EVENT,
                        "a terminate end event ends the saga at once: steps still waiting for their reply would "
                        + "never be compensated. Use a none end event and let the branches join")));
        model.all("transaction").forEach(transaction -> violations.add(new Violation(transaction.attribute("id"),
                NO_TRANSACTION, "a BPMN transaction (cancel events) is not how a saga compensates here. Use an "
                + "embedded subprocess; a refused step raises the saga's error and compensation follows")));
        for (String waiting : List.of("userTask", "receiveTask")) {
            model.all(waiting).stream().filter(task -> !model.hasInterruptingTimer(task.attribute("id")))
                    .forEach(task -> violations.add(new Violation(task.attribute("id"), WAIT_HAS_DEADLINE,
                            "a saga waits here with no deadline: give it an interrupting timer boundary event "
                            + "that leads to the saga's compensation (or another way on)")));
        }
        model.all("intermediateCatchEvent").stream()
                .filter(event -> event.element("timerEventDefinition") == null && event.element("linkEventDefinition") == null)
                .filter(event -> !model.raceWithATimer(event))
                .forEach(event -> violations.add(new Violation(event.attribute("id"), WAIT_HAS_DEADLINE,
                        "a saga waits for this event with no deadline: put it after an event-based gateway whose "
                        + "other way is a timer that leads to the saga's compensation")));
        return violations;
    }

    /** The process's elements, indexed for the rules. */
    private static final class Model {

        /** Every element with an id, by id. */
        private final Map<String, Element> byId = new HashMap<>();
        /** The flow node or process that contains each element with an id. */
        private final Map<String, Element> containerOf = new HashMap<>();
        private final Map<String, List<Element>> byTag = new HashMap<>();
        private final List<Element> steps = new ArrayList<>();
        /** Sequence flows, boundary events included as an edge from the activity they are attached to. */
        private final Map<String, Set<String>> successors = new HashMap<>();

        Model(Element process) {
            index(process, process);
        }

        private void index(Element container, Element process) {
            for (Element child : container.elements()) {
                String id = child.attribute("id");
                byTag.computeIfAbsent(child.getTagName(), tag -> new ArrayList<>()).add(child);
                if (id != null) {
                    byId.put(id, child);
                    containerOf.put(id, container);
                }
                if ("serviceTask".equals(child.getTagName())
                        && STEP_EXPRESSION.equals(trimmed(child.attributeNS(CAMUNDA, "delegateExpression")))) {
                    steps.add(child);
                }
                if ("sequenceFlow".equals(child.getTagName())) {
                    successors.computeIfAbsent(child.attribute("sourceRef"), key -> new HashSet<>())
                            .add(child.attribute("targetRef"));
                }
                if ("boundaryEvent".equals(child.getTagName()) && child.attribute("attachedToRef") != null) {
                    successors.computeIfAbsent(child.attribute("attachedToRef"), key -> new HashSet<>()).add(id);
                }
                if (List.of("subProcess", "transaction", "adHocSubProcess").contains(child.getTagName())) {
                    index(child, process);
                }
            }
        }

        boolean isSaga() {
            return !steps.isEmpty();
        }

        List<Element> all(String tag) {
            return byTag.getOrDefault(tag, List.of());
        }

        List<String> compensationHandlersWithoutBoundary() {
            Set<String> targets = new HashSet<>();
            for (Element association : all("association")) {
                Element source = byId.get(association.attribute("sourceRef"));
                if (source != null && "boundaryEvent".equals(source.getTagName())
                        && source.element("compensateEventDefinition") != null) {
                    targets.add(association.attribute("targetRef"));
                }
            }
            List<String> orphans = new ArrayList<>();
            byId.values().stream()
                    .filter(element -> "true".equals(element.attribute("isForCompensation")))
                    .filter(element -> !"subProcess".equals(element.getTagName())) // a compensation event subprocess
                    .map(element -> element.attribute("id"))
                    .filter(id -> !targets.contains(id))
                    .sorted()
                    .forEach(orphans::add);
            return orphans;
        }

        /** The step, or a subprocess around it, loops: a cycle of flows, or a standard loop marker. */
        boolean inLoop(Element step) {
            for (Element node = step; node != null && node.attribute("id") != null; node = containerOf.get(node.attribute("id"))) {
                if (node.element("standardLoopCharacteristics") != null || onCycle(node.attribute("id"))) {
                    return true;
                }
            }
            return false;
        }

        private boolean onCycle(String start) {
            Set<String> seen = new HashSet<>();
            List<String> frontier = new ArrayList<>(successors.getOrDefault(start, Set.of()));
            while (!frontier.isEmpty()) {
                String next = frontier.remove(frontier.size() - 1);
                if (next.equals(start)) {
                    return true;
                }
                if (seen.add(next)) {
                    frontier.addAll(successors.getOrDefault(next, Set.of()));
                }
            }
            return false;
        }

        String nonInterruptingEventSubprocessAround(Element step) {
            for (Element node = containerOf.get(step.attribute("id")); node != null && node.attribute("id") != null;
                 node = containerOf.get(node.attribute("id"))) {
                if ("true".equals(node.attribute("triggeredByEvent"))) {
                    boolean interrupting = node.elements("startEvent").stream()
                            .noneMatch(start -> "false".equals(start.attribute("isInterrupting")));
                    if (!interrupting) {
                        return node.attribute("id");
                    }
                }
            }
            return null;
        }

        boolean hasInterruptingTimer(String activityId) {
            return all("boundaryEvent").stream()
                    .anyMatch(boundary -> activityId.equals(boundary.attribute("attachedToRef"))
                            && boundary.element("timerEventDefinition") != null
                            && !"false".equals(boundary.attribute("cancelActivity")));
        }

        /** The catch event follows an event-based gateway that also waits for a timer. */
        boolean raceWithATimer(Element event) {
            Map<String, List<String>> predecessors = new LinkedHashMap<>();
            successors.forEach((source, targets) -> targets.forEach(target ->
                    predecessors.computeIfAbsent(target, key -> new ArrayList<>()).add(source)));
            for (String gatewayId : predecessors.getOrDefault(event.attribute("id"), List.of())) {
                Element gateway = byId.get(gatewayId);
                if (gateway != null && "eventBasedGateway".equals(gateway.getTagName())
                        && successors.getOrDefault(gatewayId, Set.of()).stream().map(byId::get)
                        .anyMatch(next -> next != null && next.element("timerEventDefinition") != null)) {
                    return true;
                }
            }
            return false;
        }

        private static String trimmed(String value) {
            return value == null ? null : value.trim();
        }
    }
}
