package io.sagaflow.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A service of another team, built as that team would build it: its pom names Sagaflow artifacts by
 * their coordinates, Maven resolves them (after {@code mvn install} of the modules they come from)
 * with everything they bring, and its classes compile against exactly that class path, so a
 * reference to anything else of Sagaflow fails the compilation.
 *
 * @param directory the fixture: {@code pom.xml}, {@code src/main/java}, {@code src/main/resources}
 * @param work where its class path and classes go
 */
public record FixtureService(Path directory, Path work) {

    /** This build's version (set by the pom): fixture poms depend on Sagaflow artifacts of this version. */
    public static final String SAGAFLOW_VERSION = System.getProperty("sagaflow.version", "0.1.0-SNAPSHOT");

    /**
     * Installs {@code module} (a directory under src/) and the modules it needs into the local
     * repository, resolves the fixture's dependencies and compiles it; returns the JVM class path
     * (the fixture's classes first). {@code sagaflowJars} are the Sagaflow artifacts (without
     * version) the class path must hold, and no other; Camunda and Qpid must not be on it.
     */
    public String build(String module, String... sagaflowJars) throws Exception {
        Files.createDirectories(work);
        ParticipantTestBed.run(List.of("mvn", "-B", "-q", "install", "-DskipTests", "-pl", module, "-am"), false, null);
        Path classpathFile = work.resolve("dependencies.txt").toAbsolutePath();
        ParticipantTestBed.run(List.of("mvn", "-B", "-q", "-f", directory.resolve("pom.xml").toString(),
                "dependency:build-classpath", "-Dsagaflow.version=" + SAGAFLOW_VERSION,
                "-Dmdep.outputFile=" + classpathFile), false, null);
        String dependencies = Files.readString(classpathFile).trim();
        assertThat(dependencies).as("the fixture's class path").doesNotContain("camunda", "qpid");
        assertThat(Stream.of(dependencies.split(File.pathSeparator))
                .map(jar -> Path.of(jar).getFileName().toString()).filter(jar -> jar.startsWith("sagaflow")))
                .as("the Sagaflow jars on the fixture's class path")
                .containsExactlyInAnyOrder(Stream.of(sagaflowJars)
                        .map(artifact -> artifact + "-" + SAGAFLOW_VERSION + ".jar").toArray(String[]::new));

        Path classes = work.resolve("classes");
        deleteRecursively(classes);
        Files.createDirectories(classes);
        List<String> sources;
        try (Stream<Path> files = Files.walk(directory.resolve("src/main/java"))) {
            sources = files.filter(f -> f.toString().endsWith(".java")).map(Path::toString).toList();
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        List<String> arguments = new ArrayList<>(List.of("-d", classes.toString(), "-classpath", dependencies,
                "--release", "17"));
        arguments.addAll(sources);
        assertThat(javac.run(null, null, null, arguments.toArray(String[]::new)))
                .as("the fixture compiles against what its pom brings").isZero();
        copyRecursively(directory.resolve("src/main/resources"), classes);
        return String.join(File.pathSeparator, classes.toAbsolutePath().toString(), dependencies);
    }

    /** {@code java -Xmx256m -cp <classpath> <mainClass> <arguments>} with this JVM's java. */
    public static ProcessBuilder java(String classpath, String mainClass, List<String> arguments) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", classpath, mainClass));
        command.addAll(arguments);
        return new ProcessBuilder(command);
    }

    private static void copyRecursively(Path from, Path to) throws IOException {
        if (!Files.isDirectory(from)) {
            return;
        }
        try (Stream<Path> files = Files.walk(from)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Path target = to.resolve(from.relativize(file).toString());
                Files.createDirectories(target.getParent());
                Files.copy(file, target);
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(file);
            }
        }
    }
}
