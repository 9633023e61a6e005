package io.sagaflow.participant;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import io.sagaflow.autoconfigure.ParticipantKitAutoConfiguration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The participant starter ({@code sagaflow-participant-spring-boot-starter}) holds the kit's packages,
 * its auto-configuration and the only migration of its tables, nothing of the orchestrator. That it
 * needs nothing of the orchestrator, Camunda or Qpid the compiler checks: the module does not depend
 * on them. KitPaymentParticipantPostgresTests runs a participant service built on it alone.
 */
class ParticipantStarterContentsTests {

    @Test
    @DisplayName("the starter holds the kit's packages, its auto-configuration and its migration, and nothing else")
    void theStarterHoldsTheKitOnly() throws IOException, URISyntaxException {
        Path location = Path.of(ParticipantKitAutoConfiguration.class.getProtectionDomain().getCodeSource()
                .getLocation().toURI());
        Set<String> packages = new TreeSet<>();
        Set<String> resources = new TreeSet<>();
        // target/classes in `mvn test`, the jar once `mvn verify` has packaged the module
        try (FileSystem jar = Files.isRegularFile(location) ? FileSystems.newFileSystem(location) : null;
             Stream<Path> files = Files.walk(jar == null ? location : jar.getPath("/"))) {
            Path root = jar == null ? location : jar.getPath("/");
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                String name = root.relativize(file).toString().replace('\\', '/');
                if (name.endsWith(".class")) {
                    packages.add(name.substring(0, name.lastIndexOf('/')).replace('/', '.'));
                } else if (!name.startsWith("META-INF/maven/") && !name.equals("META-INF/MANIFEST.MF")) {
                    resources.add(name);
                }
            }
        }
        assertThat(packages).containsExactly("io.sagaflow.autoconfigure", "io.sagaflow.messaging",
                "io.sagaflow.outbox", "io.sagaflow.participant", "io.sagaflow.retention", "io.sagaflow.tracing");
        assertThat(resources).containsExactly(
                "META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports",
                "db/participant-kit/V1__participant_kit.sql", "db/participant-kit/V2__outbox_holds.sql");
    }
}
