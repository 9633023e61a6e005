package io.sagaflow.faults.sabotage;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.beans.factory.ObjectProvider;

/**
 * Deliberately broken builds, for proving that the fault-injection suite catches what it claims
 * to catch (SabotagedBuildFaultInjectionTests). Never part of the packaged service: the suite adds
 * these classes with {@code -Dloader.path} to one JVM it starts, with {@code --sagaflow.sabotage=...}.
 *
 * <ul>
 *   <li>{@code relay-drops}: the outbox relay silently drops 1 % of the messages it publishes:
 *       they are never sent, yet count as confirmed and are marked SENT.</li>
 *   <li>{@code payment-charges-twice}: the payment participant adds every 25th charge to the
 *       customer's ledger twice.</li>
 *   <li>{@code payment-records-another-amount}: the payment participant records every 25th charge
 *       with another amount than the order's.</li>
 *   <li>{@code instance-affinity}: the orchestrator advances only the sagas its own JVM started
 *       (SagaClusterTests: nobody finishes a dead instance's sagas).</li>
 * </ul>
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty("sagaflow.sabotage")
class SabotageConfiguration {

    @Bean
    @ConditionalOnProperty(name = "sagaflow.sabotage", havingValue = "relay-drops")
    static BeanPostProcessor relayThatDropsMessages() {
        return new RelayDrops(100);
    }

    @Bean
    @ConditionalOnProperty(name = "sagaflow.sabotage", havingValue = "payment-charges-twice")
    static BeanPostProcessor paymentThatChargesTwice(ObjectProvider<JdbcTemplate> jdbc) {
        return new PaymentChargesTwice(jdbc, 25);
    }

    @Bean
    @ConditionalOnProperty(name = "sagaflow.sabotage", havingValue = "instance-affinity")
    static BeanPostProcessor orchestratorWithInstanceAffinity() {
        return new InstanceAffinity();
    }

    @Bean
    @ConditionalOnProperty(name = "sagaflow.sabotage", havingValue = "payment-records-another-amount")
    static BeanPostProcessor paymentThatRecordsAnotherAmount(ObjectProvider<JdbcTemplate> jdbc) {
        return new PaymentRecordsAnotherAmount(jdbc, 25);
    }
}
