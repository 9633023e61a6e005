package io.sagaflow.saga;

import java.util.List;

import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The saga rules' settings at deployment (docs/modelling.md, saga rules).
 *
 * @param contracts AsyncAPI documents of the project's own participants (Spring resource locations,
 *     {@code classpath:} or {@code file:}), besides Sagaflow's: their {@code command} parameter enums
 *     are the commands a step may send
 * @param unknownCommand how a command missing from every contract counts: {@code warning} (logged,
 *     the default: a new participant's contract may not be known here), {@code error} (the deployment
 *     is refused; for a project whose contract lists all its commands) or {@code off}
 */
@Validated
@ConfigurationProperties("sagaflow.modelling")
record ModellingProperties(
        @DefaultValue List<String> contracts,
        @DefaultValue("warning") @NotNull SagaShapeRules.Severity unknownCommand) {

    SagaShapeRules.Settings ruleSettings() {
        List<String> all = new java.util.ArrayList<>(List.of(CommandCatalogue.OWN_CONTRACT));
        all.addAll(contracts);
        return new SagaShapeRules.Settings(CommandCatalogue.of(all), unknownCommand);
    }
}
