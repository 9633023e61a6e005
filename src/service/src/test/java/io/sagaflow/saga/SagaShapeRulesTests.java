package io.sagaflow.saga;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.test.junit5.ProcessEngineExtension;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The deployment side of the saga shape rules ({@link SagaShapeRules}): every model of
 * {@code processes/lint-examples} is refused naming its element and rule (the same corpus the
 * bpmnlint plugin is tested against, {@code npm run test-rules} in processes/), and every saga the
 * project ships or tests with deploys.
 */
class SagaShapeRulesTests {

    private static final Path EXAMPLES = Path.of("processes", "lint-examples");

    @RegisterExtension
    static ProcessEngineExtension engine = ProcessEngineExtension.builder().build();

    /** A model of lint-examples and the reports expected.json names for it (one or more). */
    record Refused(String file, List<Report> reports) {
        @Override
        public String toString() {
            return file;
        }
    }

    record Report(String rule, String element) {
    }

    static List<Refused> refusedModels() throws Exception {
        JsonNode expected = new ObjectMapper().readTree(EXAMPLES.resolve("expected.json").toFile());
        List<String> files = new ArrayList<>();
        expected.fieldNames().forEachRemaining(files::add);
        try (Stream<Path> models = Files.list(EXAMPLES)) {
            assertThat(models.filter(file -> file.toString().endsWith(".bpmn")).map(file -> file.getFileName().toString()))
                    .as("every refused model has its expectation").containsExactlyInAnyOrderElementsOf(files);
        }
        return files.stream().sorted().map(file -> {
            JsonNode value = expected.get(file);
            List<Report> reports = new ArrayList<>();
            (value.isArray() ? value : new ObjectMapper().createArrayNode().add(value)).forEach(report ->
                    reports.add(new Report(report.get("rule").asText(), report.get("element").asText())));
            return new Refused(file, reports);
        }).toList();
    }

    static List<Path> shippedModels() throws Exception {
        try (Stream<Path> processes = Files.list(Path.of("processes"));
             Stream<Path> shapes = Files.list(Path.of("src", "service", "src", "test", "resources", "shapes"));
             Stream<Path> tests = Files.list(Path.of("src", "service", "src", "test", "resources", "processes"));
             Stream<Path> signup = Files.list(Path.of("src", "service", "src", "test", "resources", "signup"))) {
            return Stream.of(processes, shapes, tests, signup).flatMap(stream -> stream)
                    .filter(file -> file.toString().endsWith(".bpmn")).sorted().toList();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedModels")
    @DisplayName("a saga of a shape Sagaflow cannot compensate is refused at deployment, naming the element, the rule and the fix")
    void refusedAtDeployment(Refused model) {
        var refusal = assertThatThrownBy(() -> deploy(EXAMPLES.resolve(model.file())))
                .isInstanceOf(ProcessEngineException.class)
                .hasMessageContaining("Sagaflow refuses the saga");
        model.reports().forEach(report -> refusal.hasMessageContaining(report.element() + ": " + report.rule() + ": "));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shippedModels")
    @DisplayName("every saga the project ships or tests with is accepted")
    void shippedSagasDeploy(Path model) throws Exception {
        deploy(model);
    }

    private static void deploy(Path model) throws Exception {
        RepositoryService repository = engine.getRepositoryService();
        try (InputStream bpmn = Files.newInputStream(model)) {
            String deployment = repository.createDeployment().addInputStream(model.getFileName().toString(), bpmn)
                    .deploy().getId();
            repository.deleteDeployment(deployment, true);
        }
    }
}
