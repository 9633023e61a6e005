package io.sagaflow.participant.kit;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The participant kit jar ({@code target/sagaflow-<version>-participant-kit.jar}, built at
 * process-classes by the maven-jar-plugin execution {@code participant-kit}) holds the kit and
 * nothing of the orchestrator, and its classes need nothing outside it but third-party libraries
 * without Camunda or Qpid.
 */
class ParticipantKitJarTests {

    private static Path jar;

    @BeforeAll
    static void findJar() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            List<Path> jars = files.filter(f -> f.getFileName().toString().endsWith("-participant-kit.jar")).toList();
            assertThat(jars).as("target/*-participant-kit.jar (mvn process-classes builds it)").hasSize(1);
            jar = jars.get(0);
        }
    }

    @Test
    @DisplayName("the jar holds the message contract, the kit's packages, its auto-configuration and its migration, nothing of saga, txmessage, examples, cockpit, web or the embedded broker")
    void theJarHoldsTheKitOnly() throws IOException {
        Set<String> packages = new TreeSet<>();
        Set<String> resources = new TreeSet<>();
        try (JarFile file = new JarFile(jar.toFile())) {
            for (ZipEntry entry : Collections.list(file.entries())) {
                String name = entry.getName();
                if (name.endsWith(".class")) {
                    packages.add(name.substring(0, name.lastIndexOf('/')).replace('/', '.'));
                } else if (!entry.isDirectory() && !name.startsWith("META-INF/maven/") && !name.equals("META-INF/MANIFEST.MF")) {
                    resources.add(name);
                }
            }
        }
        assertThat(packages).containsExactly("io.sagaflow.contract", "io.sagaflow.messaging", "io.sagaflow.outbox", "io.sagaflow.participant",
                "io.sagaflow.participant.kit", "io.sagaflow.retention", "io.sagaflow.tracing");
        assertThat(resources).containsExactly("META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports",
                "db/participant-kit/V1__participant_kit.sql");
    }

    @Test
    @DisplayName("the jar's classes reference no Camunda, Qpid or orchestrator class, and every io.sagaflow class they use is in the jar")
    void theJarIsSelfContained() {
        JavaClasses kit = new ClassFileImporter().importJar(toJarFile(jar));
        noClasses().should().dependOnClassesThat().resideInAnyPackage("org.camunda..", "org.apache.qpid..",
                "io.sagaflow.saga..", "io.sagaflow.txmessage..", "io.sagaflow.examples..", "io.sagaflow.cockpit..",
                "io.sagaflow.web..", "io.sagaflow.roles..", "io.sagaflow.ops..", "io.sagaflow.security..",
                "io.sagaflow.messaging.embedded..").check(kit);
        Set<String> missing = new TreeSet<>();
        for (JavaClass type : kit) {
            for (Dependency dependency : type.getDirectDependenciesFromSelf()) {
                String target = dependency.getTargetClass().getBaseComponentType().getName();
                if (target.startsWith("io.sagaflow.") && !kit.contain(target)) {
                    missing.add(type.getName() + " -> " + target);
                }
            }
        }
        assertThat(missing).isEmpty();
    }

    @Test
    @DisplayName("inside the full service (SagaflowApplication on the class path) the kit's auto-configuration does nothing")
    void theAutoConfigurationIsInactiveInTheFullService() {
        new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(ParticipantKitAutoConfiguration.class))
                .run(context -> assertThat(context).hasNotFailed()
                        .doesNotHaveBean(ParticipantKitAutoConfiguration.class)
                        .doesNotHaveBean("participantKitSchema"));
    }

    private static JarFile toJarFile(Path path) {
        try {
            return new JarFile(path.toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
