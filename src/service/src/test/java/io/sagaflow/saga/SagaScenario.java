package io.sagaflow.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.historyService;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.jobQuery;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.runtimeService;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.Operation;
import io.sagaflow.contract.ReplyBody;
import org.camunda.bpm.engine.history.HistoricVariableInstance;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.test.assertions.bpmn.AbstractAssertions;
import org.camunda.bpm.engine.test.junit5.ProcessEngineExtension;
import org.camunda.bpm.engine.test.mock.Mocks;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One saga on a plain in-memory engine, driven given/expect style: <em>given</em> the saga started
 * with these variables, <em>expect</em> the command of a step, <em>reply</em> to it, expect the next
 * command or the compensation, and so on. The real {@link SagaStepBehavior} sends the commands into
 * a {@link RecordingStepCommands}; a reply signals the waiting execution with a {@link ReplyBody},
 * exactly as {@link ReplyCorrelator} does.
 *
 * <pre>{@code
 * saga.givenStartedWith(ORDER_ID, order());
 * saga.expectCommand(RESERVE_STOCK).reply(ReplyBody.success(Map.of()));
 * saga.expectCommand(CHARGE_PAYMENT).reply(ReplyBody.businessFailure("card declined"));
 * saga.expectCompensation(RELEASE_STOCK).reply(ReplyBody.success(Map.of()));
 * assertThat(saga.instance()).isEnded();
 * }</pre>
 *
 * Register it as an instance field with {@code @RegisterExtension}, beside the static
 * {@link ProcessEngineExtension} of {@link #engine()}: each test gets a fresh recorder, and the
 * engine's mocks, the assertions' engine and (if it moved) Camunda's clock are reset after it.
 *
 * <p>The public test kit (docs/modelling.md, "Test a saga"): usable from any package, shipped as the
 * {@code testkit} jar.
 */
public final class SagaScenario implements BeforeEachCallback, AfterEachCallback {

    private final ProcessEngineExtension engine;
    private final String processKey;
    private final Map<String, String> commandOf;
    private final Map<String, String> stepOf;
    private final ObjectMapper objectMapper = new ObjectMapper();
    private final RecordingStepCommands recorder = new RecordingStepCommands();
    private boolean clockMovesOnAfterEachReply;
    private Instant now;

    private ProcessInstance saga;
    private String businessKey;

    private SagaScenario(ProcessEngineExtension engine, String processKey, Map<String, String> commandOf,
                         Map<String, String> handlerOf) {
        this.engine = engine;
        this.processKey = processKey;
        this.commandOf = Map.copyOf(commandOf);
        Map<String, String> stepOf = new LinkedHashMap<>();
        handlerOf.forEach((step, handler) -> stepOf.put(handler, step));
        this.stepOf = stepOf;
    }

    /**
     * An in-memory engine configured as the service's ({@code sagaflow-test.cfg.xml}: Sagaflow's parse
     * listeners and saga rules, history full, no job executor), for {@code @RegisterExtension static}.
     */
    public static ProcessEngineExtension engine() {
        return ProcessEngineExtension.builder().configurationResource("sagaflow-test.cfg.xml").build();
    }

    /**
     * The saga {@code processKey} whose activities (steps and compensation handlers) send the commands
     * {@code commandOf}, and whose steps are compensated by the handlers {@code handlerOf}.
     */
    public static SagaScenario of(ProcessEngineExtension engine, String processKey, Map<String, String> commandOf,
                           Map<String, String> handlerOf) {
        return new SagaScenario(engine, processKey, commandOf, handlerOf);
    }

    /**
     * Camunda 7 starts compensation handlers in reverse order of the compensation subscriptions'
     * creation time, which has millisecond resolution: a clock that moves on a minute after each
     * reply makes that order the order in which the steps completed, as it is in a real saga.
     */
    public SagaScenario movingCamundasClockOnAfterEachReply() {
        clockMovesOnAfterEachReply = true;
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        // Bind camunda-bpm-assert to this engine: in a JVM that also ran Spring Boot tests,
        // ProcessEngines knows more than one engine and the automatic lookup would refuse.
        AbstractAssertions.init(engine.getProcessEngine());
        Mocks.register(SagaModel.STEP_BEAN, new SagaStepBehavior(recorder, objectMapper));
        if (clockMovesOnAfterEachReply) {
            now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
            ClockUtil.setCurrentTime(Date.from(now));
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (clockMovesOnAfterEachReply) {
            ClockUtil.reset();
        }
        Mocks.reset();
        AbstractAssertions.reset();
    }

    // --- given ---

    /**
     * Starts the saga as the REST API does and checks that its first step sent its command in the
     * starting transaction (no asyncBefore).
     */
    public ProcessInstance givenStartedWith(String businessKey, Map<String, Object> variables) {
        this.businessKey = businessKey;
        saga = runtimeService().startProcessInstanceByKey(processKey, businessKey, variables);
        assertThat(saga).isStarted();
        assertThat(recorder.sent()).as("no asyncBefore: the first step's command is sent in the starting transaction")
                .hasSize(1);
        return saga;
    }

    // --- expect ---

    /**
     * The command the step sent when the execution reached it: in the same transaction (the start,
     * or the previous step's reply), with no job in between; it is still waiting for its reply, and
     * it is the step's command as an ACTION of this saga.
     */
    public ExpectedCommand expectCommand(String stepId) {
        assertThat(saga).isWaitingAt(stepId);
        assertThat(jobQuery().processInstanceId(saga.getId()).count()).as("jobs while %s waits", stepId).isZero();
        assertThat(recorder.sentBy(stepId)).as("commands sent by %s (all sent: %s)", stepId, commandNames())
                .isNotEmpty();
        return expected(recorder.waitingAt(stepId), stepId, Operation.ACTION, stepId);
    }

    /**
     * The command the compensation handler sent when the rejection triggered the compensation: in
     * the transaction of the rejecting reply, without a job, once, as a COMPENSATION of its step.
     *
     * <p>Camunda 7 would not even honour asyncBefore on a compensation handler:
     * CompensationEventHandler starts it with {@code PvmAtomicOperation.ACTIVITY_START}, past the
     * async check.
     */
    public ExpectedCommand expectCompensation(String handlerId) {
        assertThat(stepOf).as("compensation handlers of " + processKey).containsKey(handlerId);
        assertThat(jobQuery().processInstanceId(saga.getId()).count())
                .as("jobs after the compensation of %s started", handlerId).isZero();
        assertThat(recorder.sentBy(handlerId)).as("commands sent by %s (all sent: %s)", handlerId, commandNames())
                .hasSize(1);
        return expected(recorder.waitingAt(handlerId), handlerId, Operation.COMPENSATION, stepOf.get(handlerId));
    }

    private ExpectedCommand expected(RecordingStepCommands.Sent sent, String activityId, Operation op, String step) {
        StepCommand c = sent.command();
        String command = commandOf.get(activityId);
        assertThat(c.command()).as("command of " + activityId).isEqualTo(command);
        assertThat(c.activityId()).as("activityId of " + command).isEqualTo(activityId);
        assertThat(c.op()).as("op of " + command).isEqualTo(op);
        assertThat(c.step()).as("step of " + command).isEqualTo(step);
        assertThat(c.sagaId()).as("sagaId of " + command).isEqualTo(saga.getId());
        assertThat(c.businessKey()).as("businessKey of " + command).isEqualTo(businessKey);
        assertThat(c.processKey()).as("processKey of " + command).isEqualTo(processKey);
        assertThat(c.executionId()).as("executionId of " + command).isNotBlank();
        return new ExpectedCommand(sent);
    }

    /** A command the saga sent and the test expected: reply to it, or look into it. */
    public final class ExpectedCommand {

        private final RecordingStepCommands.Sent sent;

        private ExpectedCommand(RecordingStepCommands.Sent sent) {
            this.sent = sent;
        }

        /** Delivers the participant's reply to this command; returns the command for later checks. */
        public ExpectedCommand reply(ReplyBody reply) {
            SagaScenario.this.reply(sent.command().activityId(), reply);
            return this;
        }

        StepCommand command() {
            return sent.command();
        }

        /** The command's JSON payload, in its field order. */
        public Map<String, Object> payload() throws Exception {
            return objectMapper.readValue(sent.command().payload(), new TypeReference<LinkedHashMap<String, Object>>() {
            });
        }
    }

    // --- reply ---

    /**
     * What ReplyCorrelator does with a reply to the command the activity waits on: check the
     * execution still waits there, then signal it.
     */
    public void reply(String activityId, ReplyBody reply) {
        RecordingStepCommands.Sent command = recorder.waitingAt(activityId);
        String executionId = command.command().executionId();
        assertThat(runtimeService().createExecutionQuery().executionId(executionId).activityId(activityId).count())
                .as("execution %s of %s still waits for the reply to %s", executionId, activityId, command.commandId())
                .isEqualTo(1);
        recorder.answered(command.commandId(), reply.outcome());
        runtimeService().signal(executionId, reply.outcome().name(), reply, null);
        if (clockMovesOnAfterEachReply) {
            now = now.plus(Duration.ofMinutes(1));
            ClockUtil.setCurrentTime(Date.from(now));
        }
    }

    // --- what the saga did ---

    public ProcessInstance instance() {
        return saga;
    }

    RecordingStepCommands commands() {
        return recorder;
    }

    /** The command names ({@code inventory.reserve}, ...) in the order they were sent. */
    public List<String> commandNames() {
        return recorder.commandNames();
    }

    /** The saga's process-scope variables (from history, so they can be read after the end). */
    public Map<String, Object> processVariables() {
        Map<String, Object> variables = new LinkedHashMap<>();
        for (HistoricVariableInstance variable : historyService().createHistoricVariableInstanceQuery()
                .processInstanceId(saga.getId()).list()) {
            if (saga.getId().equals(variable.getActivityInstanceId())) { // process scope, not an activity's input
                variables.put(variable.getName(), variable.getValue());
            }
        }
        return variables;
    }
}
