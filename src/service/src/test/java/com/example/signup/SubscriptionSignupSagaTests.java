package com.example.signup;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests.assertThat;

import java.util.Map;

import io.sagaflow.contract.ReplyBody;
import io.sagaflow.saga.SagaScenario;
import org.camunda.bpm.engine.test.Deployment;
import org.camunda.bpm.engine.test.junit5.ProcessEngineExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A saga test as a project outside Sagaflow writes it, with the public test kit ({@link SagaScenario}),
 * in a package of its own: docs/modelling.md, "Test a saga", shows this class.
 */
@DisplayName("Subscription signup (a project's own saga, tested with the test kit)")
class SubscriptionSignupSagaTests {

    @RegisterExtension
    static ProcessEngineExtension engine = SagaScenario.engine();

    @RegisterExtension
    SagaScenario saga = SagaScenario.of(engine, "subscription-signup",
            Map.of("Task_CreateAccount", "crm.create-account", "Task_ChargeFirstMonth", "payment.charge",
                    "Task_CloseAccount", "crm.close-account", "Task_RefundFirstMonth", "payment.refund"),
            Map.of("Task_CreateAccount", "Task_CloseAccount", "Task_ChargeFirstMonth", "Task_RefundFirstMonth"));

    private static Map<String, Object> signup() {
        return Map.of("signupId", "S-1", "customerId", "C-7", "plan", "basic", "amount", "9.90");
    }

    @Test
    @Deployment(resources = "signup/subscription-signup.bpmn")
    @DisplayName("the account is opened, then the first month charged under the signup id as orderId")
    void signsUp() throws Exception {
        saga.givenStartedWith("S-1", signup());
        saga.expectCommand("Task_CreateAccount").reply(ReplyBody.success(Map.of("accountId", "A-42")));
        var charge = saga.expectCommand("Task_ChargeFirstMonth");

        assertThat(charge.payload()).containsExactly(Map.entry("orderId", "S-1"), Map.entry("customerId", "C-7"),
                Map.entry("amount", "9.90"));
        charge.reply(ReplyBody.success(Map.of()));
        assertThat(saga.instance()).isEnded();
    }

    @Test
    @Deployment(resources = "signup/subscription-signup.bpmn")
    @DisplayName("a declined charge closes the account it opened")
    void declinedChargeClosesTheAccount() throws Exception {
        saga.givenStartedWith("S-2", signup());
        saga.expectCommand("Task_CreateAccount").reply(ReplyBody.success(Map.of("accountId", "A-43")));
        saga.expectCommand("Task_ChargeFirstMonth").reply(ReplyBody.businessFailure("card declined"));

        var close = saga.expectCompensation("Task_CloseAccount");
        assertThat(close.payload()).containsEntry("accountId", "A-43");
        close.reply(ReplyBody.success(Map.of()));
        assertThat(saga.instance()).isEnded();
        assertThat(saga.commandNames()).containsExactly("crm.create-account", "payment.charge", "crm.close-account");
    }
}
