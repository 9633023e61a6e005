package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The chart "Packages and their arrows" in docs/architecture.md is an allow-list, read from the
 * document itself: a top-level package of {@code io.sagaflow} may depend on the packages drawn
 * from it and nothing else of the project, and every drawn arrow exists in the compiled main
 * classes. So an undrawn dependency fails the build, and so does a drawing that no longer matches.
 * The leaves the chart leaves out ({@code database}, {@code support}) may be used by anyone.
 *
 * <p>A dependency is what the compiled classes use (ArchUnit) or what a source file imports: javac
 * copies a {@code static final} constant such as {@code Topology.REPLIES_QUEUE} into the class that
 * reads it, so the byte code alone misses a package used only for its constants.
 */
class PackageChartTests {

    private static final Path ARCHITECTURE = Path.of("docs", "architecture.md");
    /** Each module's main sources: src/<module>/src/main/java/io/sagaflow. */
    private static final Path MODULES = Path.of("src");
    private static final Path SOURCES = Path.of("src", "main", "java", "io", "sagaflow");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.sagaflow\\.([a-z0-9]+)\\.",
            Pattern.MULTILINE);
    private static final Set<String> LEAVES = Set.of("database", "support");
    private static final Pattern CHART = Pattern.compile("## Packages and their arrows.*?```mermaid\\s*\\n(.*?)```",
            Pattern.DOTALL);

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.sagaflow");

    @Test
    @DisplayName("every dependency between top-level packages is drawn in docs/architecture.md, and every drawn arrow exists")
    void theChartIsTheAllowList() throws IOException {
        TreeMap<String, TreeSet<String>> drawn = drawnArrows();
        TreeMap<String, TreeSet<String>> actual = actualArrows();

        TreeSet<String> undrawn = new TreeSet<>();
        actual.forEach((from, targets) -> targets.stream()
                .filter(to -> !drawn.getOrDefault(from, new TreeSet<>()).contains(to))
                .forEach(to -> undrawn.add(from + " --> " + to + " (" + example(from, to) + ")")));
        TreeSet<String> absent = new TreeSet<>();
        drawn.forEach((from, targets) -> targets.stream()
                .filter(to -> !actual.getOrDefault(from, new TreeSet<>()).contains(to))
                .forEach(to -> absent.add(from + " --> " + to)));

        SoftAssertions.assertSoftly(softly -> {
            softly.assertThat(undrawn)
                    .as("dependencies the chart does not draw (draw them in docs/architecture.md, or remove them)")
                    .isEmpty();
            softly.assertThat(absent).as("arrows the chart draws that no class has").isEmpty();
        });
    }

    /** The top-level packages each source file under one module's io/sagaflow imports. */
    private static void collectImports(Path sources, TreeMap<String, TreeSet<String>> arrows) throws IOException {
        try (Stream<Path> files = Files.walk(sources)) {
            for (Path file : files.filter(path -> path.toString().endsWith(".java")).toList()) {
                Path relative = sources.relativize(file);
                if (relative.getNameCount() < 2) {
                    continue; // the application class
                }
                String from = relative.getName(0).toString();
                Matcher imported = IMPORT.matcher(Files.readString(file, StandardCharsets.UTF_8));
                while (imported.find()) {
                    String to = imported.group(1);
                    if (!to.equals(from) && !LEAVES.contains(to)) {
                        arrows.computeIfAbsent(from, key -> new TreeSet<>()).add(to);
                    }
                }
            }
        }
    }

    /** The arrows of the chart's mermaid flowchart: {@code a & b --> c & d} draws a-->c, a-->d, b-->c, b-->d. */
    static TreeMap<String, TreeSet<String>> drawnArrows() throws IOException {
        String document = Files.readString(ARCHITECTURE, StandardCharsets.UTF_8);
        Matcher chart = CHART.matcher(document);
        assertThat(chart.find()).as("the mermaid chart under 'Packages and their arrows' in " + ARCHITECTURE).isTrue();
        TreeMap<String, TreeSet<String>> arrows = new TreeMap<>();
        for (String line : chart.group(1).split("\\R")) {
            String[] sides = line.split("-->");
            if (sides.length != 2) {
                continue;
            }
            for (String from : sides[0].split("&")) {
                for (String to : sides[1].split("&")) {
                    arrows.computeIfAbsent(from.strip(), key -> new TreeSet<>()).add(to.strip());
                }
            }
        }
        assertThat(arrows).as("arrows in the chart").isNotEmpty();
        return arrows;
    }

    private static TreeMap<String, TreeSet<String>> actualArrows() throws IOException {
        TreeMap<String, TreeSet<String>> arrows = new TreeMap<>();
        List<Path> sourceRoots;
        try (Stream<Path> modules = Files.list(MODULES)) {
            sourceRoots = modules.map(module -> module.resolve(SOURCES)).filter(Files::isDirectory).sorted().toList();
        }
        assertThat(sourceRoots).as("modules with Java sources under " + MODULES).hasSizeGreaterThan(1);
        for (Path sources : sourceRoots) {
            collectImports(sources, arrows);
        }
        for (JavaClass type : MAIN) {
            String from = topLevel(type);
            if (from == null) {
                continue;
            }
            for (Dependency dependency : type.getDirectDependenciesFromSelf()) {
                String to = topLevel(dependency.getTargetClass());
                if (to != null && !to.equals(from) && !LEAVES.contains(to)) {
                    arrows.computeIfAbsent(from, key -> new TreeSet<>()).add(to);
                }
            }
        }
        return arrows;
    }

    private static String example(String from, String to) {
        for (JavaClass type : MAIN) {
            if (from.equals(topLevel(type))) {
                for (Dependency dependency : type.getDirectDependenciesFromSelf()) {
                    if (to.equals(topLevel(dependency.getTargetClass()))) {
                        return dependency.getDescription();
                    }
                }
            }
        }
        return "imported";
    }

    /** {@code saga} for {@code io.sagaflow.saga.x.Y}; null outside io.sagaflow's sub-packages (the application class). */
    private static String topLevel(JavaClass type) {
        String name = type.getPackageName();
        if (!name.startsWith("io.sagaflow.")) {
            return null;
        }
        String rest = name.substring("io.sagaflow.".length());
        int dot = rest.indexOf('.');
        return dot < 0 ? rest : rest.substring(0, dot);
    }
}
