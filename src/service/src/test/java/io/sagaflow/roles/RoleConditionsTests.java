package io.sagaflow.roles;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The role switches decide which beans exist; the defaults run everything. */
class RoleConditionsTests {

    private final ApplicationContextRunner context = new ApplicationContextRunner()
            .withUserConfiguration(RoleBeans.class);

    @Test
    void byDefaultAnInstanceIsOrchestratorAndHostsEveryParticipant() {
        context.run(beans -> assertThat(beans).hasBean("replyConsumer").hasBean("inventory").hasBean("payment")
                .hasBean("exampleTables"));
    }

    @Test
    void aParticipantsOnlyInstanceHasNoOrchestratorWork() {
        context.withPropertyValues("sagaflow.roles.orchestrator.enabled=false")
                .run(beans -> assertThat(beans).doesNotHaveBean("replyConsumer").hasBean("inventory").hasBean("payment"));
    }

    @Test
    void anOrchestratorOnlyInstanceHostsNoParticipant() {
        context.withPropertyValues("sagaflow.roles.participants=none")
                .run(beans -> assertThat(beans).hasBean("replyConsumer").doesNotHaveBean("inventory").doesNotHaveBean("payment")
                        .doesNotHaveBean("exampleTables"));
    }

    @Test
    void aListHostsExactlyTheNamedParticipantsWhateverTheirCaseAndSpacing() {
        context.withPropertyValues("sagaflow.roles.participants= Inventory ,shipping")
                .run(beans -> assertThat(beans).hasBean("inventory").doesNotHaveBean("payment").hasBean("exampleTables"));
    }

    @Configuration(proxyBeanMethods = false)
    static class RoleBeans {

        @Bean
        @ConditionalOnOrchestratorRole
        String replyConsumer() {
            return "orchestrator";
        }

        @Bean
        @ConditionalOnParticipantRole("inventory")
        String inventory() {
            return "inventory";
        }

        @Bean
        @ConditionalOnAnyParticipantRole
        String exampleTables() {
            return "examples";
        }

        @Bean
        @ConditionalOnParticipantRole("payment")
        String payment() {
            return "payment";
        }
    }
}
