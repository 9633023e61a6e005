package io.sagaflow.saga;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.bpmn.parser.BpmnParse;
import org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity;
import org.camunda.bpm.engine.impl.util.xml.Element;
import org.camunda.bpm.engine.impl.util.xml.Namespace;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    static final String KNOWN_STEP_INPUTS = "sagaflow/known-step-inputs";
    static final String COMMAND_NAME = "sagaflow/command-name";
    static final String KNOWN_COMMAND = "sagaflow/known-command";
    static final String STEP_HAS_COMPENSATION = "sagaflow/step-has-compensation";
    static final String PAYLOAD_PROVIDED = "sagaflow/payload-provided";
    static final String SAGA_DEADLINE = "sagaflow/saga-deadline";

    /** The naming rule of commands: {@code <participant>.<action>} in lower case (routing keys participants bind). */
    static final Pattern COMMAND_PATTERN = Pattern.compile("[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)+");

    /** The templates whose steps promise an undo (processes/element-templates). */
    private static final Set<String> TEMPLATES_WITH_UNDO = Set.of("io.sagaflow.SagaStep", "io.sagaflow.SubSaga");

    /** How a broken rule counts: an error refuses the deployment, a warning is logged. */
    enum Severity { ERROR, WARNING, OFF }

    /** One broken rule on one element. */
    record Violation(String elementId, String rule, String message, Severity severity) {

        Violation(String elementId, String rule, String message) {
            this(elementId, rule, message, Severity.ERROR);
        }

        @Override
        public String toString() {
            return elementId + ": " + rule + ": " + message;
        }
    }

    /**
     * What the rules need to know beyond the model: the message contract's commands, and how a
     * command missing from it counts ({@code sagaflow.modelling.unknown-command}: a project whose
     * contract lists all its commands makes it an error).
     */
    record Settings(CommandCatalogue commands, Severity unknownCommand) {

        static Settings defaults() {
            return new Settings(CommandCatalogue.of(List.of(CommandCatalogue.OWN_CONTRACT)), Severity.WARNING);
        }
    }

    private SagaShapeRules() {
    }

    /**
     * Refuses a saga process with a broken rule and logs its warnings; registered by
     * {@link SagaEnginePlugin}. The no-argument form (Sagaflow's own contract, unknown commands a
     * warning) and its setters are for an engine configured in XML, as the process tests' is.
     */
    public static final class ParseListener extends AbstractBpmnParseListener {

        private static final Logger log = LoggerFactory.getLogger(SagaShapeRules.class);

        private Settings settings;

        public ParseListener() {
            this(Settings.defaults());
        }

        ParseListener(Settings settings) {
            this.settings = settings;
        }

        /** Comma-separated AsyncAPI documents besides Sagaflow's own. */
        public void setContracts(String locations) {
            List<String> all = new ArrayList<>(List.of(CommandCatalogue.OWN_CONTRACT));
            Arrays.stream(locations.split(",")).map(String::trim).filter(l -> !l.isEmpty()).forEach(all::add);
            settings = new Settings(CommandCatalogue.of(all), settings.unknownCommand());
        }

        public void setUnknownCommand(String severity) {
            settings = new Settings(settings.commands(), Severity.valueOf(severity.trim().toUpperCase(Locale.ROOT)));
        }

        @Override
        public void parseProcess(Element process, ProcessDefinitionEntity definition) {
            List<Violation> violations = check(process, settings);
            violations.stream().filter(violation -> violation.severity() == Severity.WARNING)
                    .forEach(warning -> log.warn("Saga '{}' deployed with a warning (docs/modelling.md, saga rules): {}",
                            definition.getKey(), warning));
            List<Violation> errors = violations.stream().filter(violation -> violation.severity() == Severity.ERROR)
                    .toList();
            if (!errors.isEmpty()) {
                StringBuilder message = new StringBuilder("Sagaflow refuses the saga '" + definition.getKey()
                        + "': it breaks rules a saga must keep so that Sagaflow can run and compensate it "
                        + "(docs/modelling.md, saga rules):");
                errors.forEach(violation -> message.append("\n- ").append(violation));
                throw new ProcessEngineException(message.toString());
            }
        }
    }

    /** The violations of a {@code bpmn:process} element with Sagaflow's own contract; none if it is no saga. */
    static List<Violation> check(Element process) {
        return check(process, Settings.defaults());
    }

    /** The violations of a {@code bpmn:process} element; none if it is no saga. */
    static List<Violation> check(Element process, Settings settings) {
        Model model = new Model(process);
        if (!model.isSaga()) {
            return List.of();
        }
        List<Violation> violations = new ArrayList<>();
        checkInputs(model, settings, violations);
        checkCompensationPromised(model, violations);
        checkPayloadProvided(model, violations);
        checkSagaDeadline(process, model, violations);
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

    /** Input parameters a saga step reads, by kind of step; any other is a misspelling that is ignored. */
    private static final List<String> STEP_INPUTS = List.of(SagaModel.INPUT_COMMAND, SagaModel.INPUT_PAYLOAD_VARIABLES,
            SagaModel.INPUT_RESULT_VARIABLES, SagaModel.INPUT_DEADLINE, RetryPolicy.MAX_ATTEMPTS, RetryPolicy.BACKOFF,
            RetryPolicy.INITIAL_DELAY, RetryPolicy.MAX_DELAY, RetryPolicy.JITTER, RetryPolicy.BUDGET,
            RetryPolicy.ON_EXHAUSTED);
    private static final List<String> COMPENSATION_INPUTS = List.of(SagaModel.INPUT_COMMAND,
            SagaModel.INPUT_PAYLOAD_VARIABLES, SagaModel.INPUT_DEADLINE);
    private static final List<String> SUB_SAGA_INPUTS = List.of(SagaModel.INPUT_PAYLOAD_VARIABLES,
            SagaModel.INPUT_DEADLINE);

    private static void checkInputs(Model model, Settings settings, List<Violation> violations) {
        for (Element step : model.stepsAndSubSagas()) {
            String id = step.attribute("id");
            boolean subSaga = "callActivity".equals(step.getTagName());
            boolean compensation = "true".equals(step.attribute("isForCompensation"));
            List<String> known = subSaga ? SUB_SAGA_INPUTS : compensation ? COMPENSATION_INPUTS : STEP_INPUTS;
            Map<String, String> inputs = Model.inputs(step);
            for (String name : inputs.keySet()) {
                if (!known.contains(name)) {
                    String nearest = known.stream().filter(k -> CommandCatalogue.editDistance(k, name) <= 3)
                            .findFirst().map(k -> " Did you mean '" + k + "'?").orElse("");
                    violations.add(new Violation(id, KNOWN_STEP_INPUTS, "unknown input parameter '" + name + "': "
                            + "this kind of saga step reads only " + String.join(", ", known) + ", so this one would "
                            + "be ignored." + nearest));
                }
            }
            if (subSaga) {
                continue;
            }
            if (!compensation && inputs.values().stream().noneMatch(value -> value.contains("${") || value.contains("#{"))) {
                try {
                    RetryPolicy.of(inputs::get);
                } catch (IllegalArgumentException e) {
                    violations.add(new Violation(id, KNOWN_STEP_INPUTS, "retry policy: " + e.getMessage()));
                }
            }
            String command = inputs.get(SagaModel.INPUT_COMMAND);
            if (command == null || command.isBlank()) {
                violations.add(new Violation(id, KNOWN_STEP_INPUTS, "this saga step has no input parameter 'command': "
                        + "it would not know what to send. Apply the 'Saga step' template and fill in Command"));
                continue;
            }
            command = command.trim();
            if (command.contains("${") || command.contains("#{") || command.startsWith("sagaflow.saga.")) {
                continue; // an expression, or the orchestrator's own sub-saga commands
            }
            if (!COMMAND_PATTERN.matcher(command).matches()) {
                violations.add(new Violation(id, COMMAND_NAME, "command '" + command + "' breaks the naming rule "
                        + "'<participant>.<action>' in lower case (letters, digits, dashes): it is the routing key a "
                        + "participant binds. Write '" + command.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-")
                        + "'"));
            } else if (!settings.commands().knows(command) && settings.unknownCommand() != Severity.OFF) {
                String nearest = settings.commands().nearest(command).map(k -> " Did you mean '" + k + "'?")
                        .orElse(" Add it to your message contract (sagaflow.modelling.contracts).");
                violations.add(new Violation(id, KNOWN_COMMAND, "command '" + command + "' is not in the message "
                        + "contract (" + String.join(", ", settings.commands().sources()) + "): if no participant "
                        + "listens to it, the broker returns it and the step ends in an incident." + nearest,
                        settings.unknownCommand()));
            }
        }
    }

    /** A step drawn with a template that promises an undo has a compensation boundary event. */
    private static void checkCompensationPromised(Model model, List<Violation> violations) {
        for (Element step : model.stepsAndSubSagas()) {
            String template = step.attributeNS(CAMUNDA, "modelerTemplate");
            if (template != null && TEMPLATES_WITH_UNDO.contains(template)
                    && !"true".equals(step.attribute("isForCompensation"))
                    && !model.hasCompensationBoundary(step.attribute("id"))) {
                violations.add(new Violation(step.attribute("id"), STEP_HAS_COMPENSATION, "this step's template ("
                        + template + ") promises that what it does is undone when the saga compensates, but no "
                        + "compensation boundary event is attached to it. Attach one and associate it with a task "
                        + "of the 'Saga compensation' template"));
            }
        }
    }

    /** A saga deadline, if set, is a positive ISO-8601 duration, and what happens then is known. */
    private static void checkSagaDeadline(Element process, Model model, List<Violation> violations) {
        try {
            SagaModel.sagaDeadline(model.processProperty(SagaModel.SAGA_DEADLINE_PROPERTY));
            SagaModel.OnSagaDeadline.of(model.processProperty(SagaModel.ON_SAGA_DEADLINE_PROPERTY));
        } catch (IllegalArgumentException e) {
            violations.add(new Violation(process.attribute("id"), SAGA_DEADLINE, e.getMessage()));
        }
    }

    /**
     * With the start variables declared ({@value SagaModel#START_VARIABLES_PROPERTY}), every payload
     * variable is a start variable or the result of a step that comes before it. Where something
     * else before the step may set variables (a wait, a task that is not a step), it is only a warning.
     */
    private static void checkPayloadProvided(Model model, List<Violation> violations) {
        StartVariables start = StartVariables.of(model.processProperty(SagaModel.START_VARIABLES_PROPERTY));
        if (start == null) {
            return;
        }
        for (Element step : model.stepsAndSubSagas()) {
            String id = step.attribute("id");
            Set<String> before = model.ancestors(id);
            Set<String> provided = new HashSet<>(start.all());
            provided.addAll(List.of("loopCounter", "nrOfInstances", "nrOfActiveInstances", "nrOfCompletedInstances"));
            boolean uncertain = false;
            for (String ancestorId : before) {
                Element ancestor = model.byId.get(ancestorId);
                if (ancestor == null) {
                    continue;
                }
                if (model.isStepOrSubSaga(ancestor)) {
                    provided.addAll(PayloadMapping.resultVariables(Model.inputs(ancestor).get(SagaModel.INPUT_RESULT_VARIABLES)));
                } else if (Model.MAY_SET_VARIABLES.contains(ancestor.getTagName())) {
                    uncertain = true;
                }
                Element multiInstance = ancestor.element("multiInstanceLoopCharacteristics");
                if (multiInstance != null && multiInstance.attributeNS(CAMUNDA, "elementVariable") != null) {
                    provided.add(multiInstance.attributeNS(CAMUNDA, "elementVariable"));
                }
            }
            for (Element around = step; around != null && around.attribute("id") != null;
                 around = model.containerOf.get(around.attribute("id"))) {
                Element multiInstance = around.element("multiInstanceLoopCharacteristics");
                if (multiInstance != null && multiInstance.attributeNS(CAMUNDA, "elementVariable") != null) {
                    provided.add(multiInstance.attributeNS(CAMUNDA, "elementVariable"));
                }
                // An event subprocess may start after any part of the saga: what came before is unknown.
                uncertain |= "true".equals(around.attribute("triggeredByEvent"));
            }
            for (PayloadMapping.Field field : PayloadMapping.parse(Model.inputs(step).get(SagaModel.INPUT_PAYLOAD_VARIABLES))) {
                if (!provided.contains(field.variable())) {
                    violations.add(new Violation(id, PAYLOAD_PROVIDED, "payload variable '" + field.variable() + "' is "
                            + "provided by neither the start (" + SagaModel.START_VARIABLES_PROPERTY + ": "
                            + String.join(",", start.all()) + ") nor the result variables of a step before this one: "
                            + "it would be sent as null. Declare it as a start variable, or map it from an earlier "
                            + "step's result", uncertain ? Severity.WARNING : Severity.ERROR));
                }
            }
        }
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

        private final Element process;

        Model(Element process) {
            this.process = process;
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

        /** Elements before which variables may have been set by something that is not a step. */
        static final Set<String> MAY_SET_VARIABLES = Set.of("userTask", "receiveTask", "intermediateCatchEvent",
                "scriptTask", "businessRuleTask", "task", "sendTask", "manualTask", "serviceTask", "callActivity");

        /** Saga steps, compensation handlers and sub-saga steps (call activities). */
        List<Element> stepsAndSubSagas() {
            List<Element> all = new ArrayList<>(steps);
            all.addAll(all("callActivity").stream().filter(call -> call.attribute("calledElement") != null).toList());
            return all;
        }

        boolean isStepOrSubSaga(Element element) {
            return steps.contains(element)
                    || ("callActivity".equals(element.getTagName()) && element.attribute("calledElement") != null);
        }

        /** The element's camunda:inputParameter values by name (text; a script or map as its text). */
        static Map<String, String> inputs(Element element) {
            Map<String, String> inputs = new LinkedHashMap<>();
            Element extensions = element.element("extensionElements");
            Element inputOutput = extensions == null ? null : extensions.element("inputOutput");
            if (inputOutput != null) {
                for (Element input : inputOutput.elements("inputParameter")) {
                    inputs.put(input.attribute("name"), input.getText() == null ? "" : input.getText().trim());
                }
            }
            return inputs;
        }

        String processProperty(String name) {
            Element extensions = process.element("extensionElements");
            Element properties = extensions == null ? null : extensions.element("properties");
            if (properties == null) {
                return null;
            }
            return properties.elements("property").stream().filter(p -> name.equals(p.attribute("name")))
                    .map(p -> p.attribute("value")).findFirst().orElse(null);
        }

        boolean hasCompensationBoundary(String activityId) {
            return all("boundaryEvent").stream().anyMatch(boundary -> activityId.equals(boundary.attribute("attachedToRef"))
                    && boundary.element("compensateEventDefinition") != null);
        }

        /**
         * Every element a token passes before reaching {@code id}: backwards over sequence flows, from
         * a boundary event to its activity, from a compensation handler to the step it undoes, and from
         * a subprocess's content to the subprocess.
         */
        Set<String> ancestors(String id) {
            Map<String, Set<String>> predecessors = new HashMap<>();
            successors.forEach((source, targets) -> targets.forEach(target ->
                    predecessors.computeIfAbsent(target, key -> new HashSet<>()).add(source)));
            for (Element association : all("association")) {
                predecessors.computeIfAbsent(association.attribute("targetRef"), key -> new HashSet<>())
                        .add(association.attribute("sourceRef"));
            }
            containerOf.forEach((child, container) -> {
                if (container.attribute("id") != null && container != process) {
                    predecessors.computeIfAbsent(child, key -> new HashSet<>()).add(container.attribute("id"));
                }
            });
            Set<String> seen = new HashSet<>();
            List<String> frontier = new ArrayList<>(predecessors.getOrDefault(id, Set.of()));
            while (!frontier.isEmpty()) {
                String next = frontier.remove(frontier.size() - 1);
                if (seen.add(next)) {
                    frontier.addAll(predecessors.getOrDefault(next, Set.of()));
                }
            }
            seen.remove(id);
            return seen;
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
