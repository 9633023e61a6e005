package io.sagaflow;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.web.bind.annotation.RestController;

/**
 * The walls between the packages, as docs/architecture.md draws them ("Packages and their
 * arrows"), checked on the compiled main classes: no cycle among the top-level packages of
 * {@code io.sagaflow}, and none of the arrows that would let a participant or an example reach the
 * orchestrator in-process, or a domain package depend on HTTP; the domain errors and the message
 * contract depend on nothing.
 */
class ArchitectureTests {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.sagaflow");

    /** The packages that are no HTTP layer: they may use {@code web} only in their controllers. */
    private static final String[] DOMAIN_PACKAGES = {"io.sagaflow.saga..", "io.sagaflow.txmessage..",
            "io.sagaflow.outbox..", "io.sagaflow.messaging..", "io.sagaflow.participant..", "io.sagaflow.contract.."};

    @Test
    @DisplayName("the top-level packages of io.sagaflow have no dependency cycle")
    void topLevelPackagesAreFreeOfCycles() {
        slices().matching("io.sagaflow.(*)..").should().beFreeOfCycles().check(MAIN);
    }

    @Test
    @DisplayName("no example uses the orchestrator's saga package: they start sagas through io.sagaflow.start or by events")
    void examplesDoNotDependOnTheSagaPackage() {
        noClasses().that().resideInAPackage("io.sagaflow.examples..")
                .should().dependOnClassesThat().resideInAPackage("io.sagaflow.saga..")
                .because("participants reach the orchestrator only over AMQP, front doors only through io.sagaflow.start")
                .check(MAIN);
    }

    @Test
    @DisplayName("the participant kit does not depend on the saga package")
    void participantKitDoesNotDependOnTheSagaPackage() {
        noClasses().that().resideInAPackage("io.sagaflow.participant..")
                .should().dependOnClassesThat().resideInAPackage("io.sagaflow.saga..")
                .because("a participant knows the orchestrator only by the message contract")
                .check(MAIN);
    }

    @Test
    @DisplayName("the start API depends on nothing else of the project")
    void startApiDependsOnNothingOfTheProject() {
        noClasses().that().resideInAPackage("io.sagaflow.start..")
                .should().dependOnClassesThat(resideInAPackage("io.sagaflow..")
                        .and(not(resideInAPackage("io.sagaflow.start.."))))
                .check(MAIN);
    }

    @Test
    @DisplayName("the message contract depends on nothing else of the project, and on no broker or engine API")
    void messageContractDependsOnNothingOfTheProject() {
        noClasses().that().resideInAPackage("io.sagaflow.contract..")
                .should().dependOnClassesThat(resideInAPackage("io.sagaflow..")
                        .and(not(resideInAPackage("io.sagaflow.contract.."))))
                .orShould().dependOnClassesThat().resideInAnyPackage("org.springframework..", "com.rabbitmq..",
                        "org.camunda..")
                .because("both sides of the wire depend on it: the orchestrator, the participant kit and producers")
                .check(MAIN);
    }

    @Test
    @DisplayName("the wire's names and bodies live in io.sagaflow.contract, not in the consumer kit or the broker plumbing")
    void messagingHoldsNoWireNames() {
        noClasses().that().resideInAPackage("io.sagaflow.messaging..")
                .should().haveSimpleNameEndingWith("Headers").orShould().haveSimpleName("Topology")
                .orShould().haveSimpleName("ReplyBody").orShould().haveSimpleName("Operation")
                .because("io.sagaflow.contract is the one place of the message contract (docs/asyncapi.yaml)")
                .check(MAIN);
    }

    @Test
    @DisplayName("the domain errors depend on nothing else of the project, and know no HTTP")
    void domainErrorsDependOnNothingOfTheProject() {
        noClasses().that().resideInAPackage("io.sagaflow.errors..")
                .should().dependOnClassesThat(resideInAPackage("io.sagaflow..")
                        .and(not(resideInAPackage("io.sagaflow.errors.."))))
                .orShould().dependOnClassesThat().resideInAnyPackage("org.springframework..", "jakarta.servlet..",
                        "jakarta.ws.rs..")
                .because("every package may refuse with them; web maps them to problem+json")
                .check(MAIN);
    }

    @Test
    @DisplayName("saga, txmessage, outbox, messaging and participant use web only in their REST controllers")
    void domainPackagesDoNotDependOnWeb() {
        noClasses().that(resideInAnyPackage(DOMAIN_PACKAGES))
                .and().areNotAnnotatedWith(RestController.class)
                .should().dependOnClassesThat().resideInAPackage("io.sagaflow.web..")
                .because("HTTP (problem+json, Idempotency-Key) is the controllers' concern; the domain refuses with "
                        + "io.sagaflow.errors")
                .check(MAIN);
    }
}
