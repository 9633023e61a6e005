package io.sagaflow.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The figures README.md and docs/performance.md quote as "latest" are the ones the benchmark wrote
 * (docs/performance/benchmark.json, written by {@code mvn verify -Pbenchmark}). A new run that is
 * not carried into the prose fails here, and so does a figure typed by hand.
 */
class BenchmarkFiguresInDocsTests {

    private static final List<String> NUMBER_WORDS = List.of("none", "one", "two", "three", "four", "five", "six",
            "seven", "eight", "nine", "ten");

    private final JsonNode run = read(Path.of("docs", "performance", "benchmark.json"));
    private final Map<String, JsonNode> targets = targetsByName(run);

    @Test
    @DisplayName("docs/performance.md's latest-results table shows every target as measured, with its verdict")
    void performanceTableMatchesTheRun() throws IOException {
        Map<String, List<String>> rows = latestResultsTable(Files.readString(Path.of("docs", "performance.md")));

        assertThat(rows.keySet()).as("targets in the table").containsAll(targets.keySet());
        targets.forEach((name, target) -> {
            List<String> cells = rows.get(name);
            assertThat(cells.get(1)).as("latest figure of %s", name).isEqualTo(target.path("measured").asText());
            assertThat(cells.get(cells.size() - 1)).as("verdict of %s", name)
                    .isEqualTo(target.path("met").asBoolean() ? "pass" : "**miss**");
        });
    }

    @Test
    @DisplayName("README's performance paragraph quotes the latest run's figures and how many targets pass")
    void readmeQuotesTheRun() throws IOException {
        String readme = Files.readString(Path.of("README.md")).replaceAll("\\s+", " ");
        long met = targets.values().stream().filter(target -> target.path("met").asBoolean()).count();

        assertThat(readme).contains(
                "latest run, " + run.path("finishedAt").asText().substring(0, 10),
                firstNumber(measured("completed 3-step sagas/s, co-located")) + " completed 3-step sagas/s",
                "step latency " + firstNumber(measured("step p50 vs 1 s polling relay (at 10/s)")) + " ms at 10 sagas/s ("
                        + measured("step p50 vs 1 s polling relay (at 10/s)").replaceAll(".*= ", "") + " of a 1 s polling relay)",
                "a relay draining " + firstNumber(measured("relay drain vs RabbitMQ PerfTest (confirmed msg/s)")) + " messages/s",
                "commit-to-confirm p50 " + measured("relay commit->confirm p50").replaceAll(" \\(.*", ""),
                modulithPhrase(measured("relay vs Spring Modulith registry (write + publish, msg/s)")),
                NUMBER_WORDS.get((int) met) + " of " + NUMBER_WORDS.get(targets.size()) + " targets pass");
    }

    /** "10,954 / 2,858 = 3.8x" as README words it. */
    private static String modulithPhrase(String measured) {
        String[] parts = measured.split(" / | = ");
        return parts[2] + " Spring Modulith's registry when writing and publishing (" + parts[0] + " vs " + parts[1]
                + " messages/s)";
    }

    private String measured(String target) {
        assertThat(targets).as("targets of the run").containsKey(target);
        return targets.get(target).path("measured").asText();
    }

    private static String firstNumber(String measured) {
        return measured.split(" ")[0];
    }

    /** Rows of the first table after "## Latest results", by target name, cells trimmed. */
    private static Map<String, List<String>> latestResultsTable(String markdown) {
        String section = markdown.substring(markdown.indexOf("## Latest results"));
        Map<String, List<String>> rows = new LinkedHashMap<>();
        boolean inTable = false;
        for (String line : section.lines().toList()) {
            if (line.startsWith("|")) {
                inTable = true;
                List<String> cells = Arrays.stream(line.substring(1, line.length() - 1).split("\\|"))
                        .map(String::trim).toList();
                rows.putIfAbsent(cells.get(0), cells);
            } else if (inTable) {
                break;
            }
        }
        return rows;
    }

    private static Map<String, JsonNode> targetsByName(JsonNode run) {
        Map<String, JsonNode> byName = new LinkedHashMap<>();
        StreamSupport.stream(run.path("targets").spliterator(), false)
                .forEach(target -> byName.put(target.path("name").asText(), target));
        return byName;
    }

    private static JsonNode read(Path path) {
        try {
            return new ObjectMapper().readTree(path.toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
