package io.sagaflow;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The module chart of docs/architecture.md ("Modules") is the allow-list of the build: a module
 * (a directory under src/ with a pom.xml, named by that directory) may depend on the modules the
 * chart draws from it and on no other, and every drawn arrow is a dependency some pom declares.
 * The compiler then keeps each module's classes to what its pom gives it.
 */
class ModuleChartTests {

    private static final Path ARCHITECTURE = Path.of("docs", "architecture.md");
    private static final Path MODULES = Path.of("src");
    private static final Pattern CHART = Pattern.compile("## Modules.*?```mermaid\\s*\\n(.*?)```", Pattern.DOTALL);

    @Test
    @DisplayName("every io.sagaflow dependency of a module's pom is drawn in docs/architecture.md's module chart, and every drawn arrow exists")
    void theModuleChartIsTheAllowList() throws Exception {
        TreeMap<String, TreeSet<String>> drawn = drawnArrows();
        TreeMap<String, TreeSet<String>> declared = declaredDependencies();

        TreeSet<String> undrawn = new TreeSet<>();
        declared.forEach((from, targets) -> targets.stream()
                .filter(to -> !drawn.getOrDefault(from, new TreeSet<>()).contains(to))
                .forEach(to -> undrawn.add(from + " --> " + to)));
        TreeSet<String> absent = new TreeSet<>();
        drawn.forEach((from, targets) -> targets.stream()
                .filter(to -> !declared.getOrDefault(from, new TreeSet<>()).contains(to))
                .forEach(to -> absent.add(from + " --> " + to)));
        SoftAssertions.assertSoftly(softly -> {
            softly.assertThat(declared.keySet()).as("modules with a pom under src/")
                    .containsAll(drawn.keySet());
            softly.assertThat(undrawn)
                    .as("module dependencies the chart does not draw (draw them in docs/architecture.md, or remove them)")
                    .isEmpty();
            softly.assertThat(absent).as("arrows the chart draws that no pom declares").isEmpty();
        });
    }

    /** The arrows of the chart: {@code a & b --> c & d} draws a-->c, a-->d, b-->c, b-->d; {@code a -. runtime .-> b} too. */
    private static TreeMap<String, TreeSet<String>> drawnArrows() throws IOException {
        Matcher chart = CHART.matcher(Files.readString(ARCHITECTURE, StandardCharsets.UTF_8));
        assertThat(chart.find()).as("the mermaid chart under 'Modules' in " + ARCHITECTURE).isTrue();
        TreeMap<String, TreeSet<String>> arrows = new TreeMap<>();
        for (String line : chart.group(1).split("\\R")) {
            // a labelled dotted arrow (-. runtime .->) is a dependency too
            String[] sides = line.replaceAll("-\\.\\s*\\w+\\s*\\.->", "-->").split("-->");
            if (sides.length == 2) {
                for (String from : sides[0].split("&")) {
                    for (String to : sides[1].split("&")) {
                        arrows.computeIfAbsent(from.strip(), key -> new TreeSet<>()).add(to.strip());
                    }
                }
            }
        }
        assertThat(arrows).as("arrows in the module chart").isNotEmpty();
        return arrows;
    }

    /** Each module's io.sagaflow dependencies, by module directory name. */
    private static TreeMap<String, TreeSet<String>> declaredDependencies() throws Exception {
        List<Path> poms;
        try (Stream<Path> modules = Files.list(MODULES)) {
            poms = modules.map(module -> module.resolve("pom.xml")).filter(Files::isRegularFile).sorted().toList();
        }
        Map<String, String> moduleOfArtifact = new TreeMap<>();
        Map<String, List<String>> dependenciesOfModule = new TreeMap<>();
        for (Path pom : poms) {
            String module = pom.getParent().getFileName().toString();
            Document document = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
            Element project = document.getDocumentElement();
            moduleOfArtifact.put(child(project, "artifactId").getTextContent().strip(), module);
            Element dependencies = child(project, "dependencies");
            List<String> sagaflow = new java.util.ArrayList<>();
            if (dependencies != null) {
                NodeList all = dependencies.getElementsByTagName("dependency");
                for (int i = 0; i < all.getLength(); i++) {
                    Element dependency = (Element) all.item(i);
                    if ("io.sagaflow".equals(child(dependency, "groupId").getTextContent().strip())) {
                        sagaflow.add(child(dependency, "artifactId").getTextContent().strip());
                    }
                }
            }
            dependenciesOfModule.put(module, sagaflow);
        }
        assertThat(moduleOfArtifact).as("modules under src/").hasSizeGreaterThan(1);
        TreeMap<String, TreeSet<String>> arrows = new TreeMap<>();
        dependenciesOfModule.forEach((module, artifacts) -> {
            TreeSet<String> targets = arrows.computeIfAbsent(module, key -> new TreeSet<>());
            for (String artifact : artifacts) {
                assertThat(moduleOfArtifact).as("the module of " + artifact + " (in " + module + ")")
                        .containsKey(artifact);
                targets.add(moduleOfArtifact.get(artifact));
            }
        });
        arrows.values().removeIf(TreeSet::isEmpty);
        return arrows;
    }

    /** The direct child element of that name (not a nested one, such as a plugin's dependencies). */
    private static Element child(Element parent, String name) {
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && element.getTagName().equals(name)) {
                return element;
            }
        }
        return null;
    }
}
