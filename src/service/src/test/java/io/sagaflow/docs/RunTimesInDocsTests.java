package io.sagaflow.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Every measurement in docs/performance.md ran alone on its host (a 2-core machine: two at once
 * would have measured each other), so two time ranges it quotes cannot overlap. A time range
 * ("18:31–18:53 UTC") belongs to the last date written before it; where that is not its own date,
 * the document writes the date beside it.
 */
class RunTimesInDocsTests {

    private static final Pattern DATE_OR_RANGE = Pattern.compile(
            "(20\\d\\d-\\d\\d-\\d\\d)|\\b(\\d\\d:\\d\\d)[–-](\\d\\d:\\d\\d) UTC");

    @Test
    @DisplayName("no two runs docs/performance.md times overlap")
    void timedRunsDoNotOverlap() throws IOException {
        List<Run> runs = timedRuns(Files.readString(Path.of("docs", "performance.md")));

        assertThat(runs).as("timed runs found").hasSizeGreaterThan(5);
        List<String> overlaps = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            for (int j = i + 1; j < runs.size(); j++) {
                Run one = runs.get(i);
                Run other = runs.get(j);
                boolean sameRun = one.start().equals(other.start()) && one.end().equals(other.end());
                if (one.date().equals(other.date()) && !sameRun && one.start().isBefore(other.end())
                        && other.start().isBefore(one.end())) {
                    overlaps.add(one + " overlaps " + other);
                }
            }
        }
        assertThat(overlaps).isEmpty();
    }

    static List<Run> timedRuns(String text) {
        List<Run> runs = new ArrayList<>();
        LocalDate date = null;
        Matcher matcher = DATE_OR_RANGE.matcher(text);
        while (matcher.find()) {
            if (matcher.group(1) != null) {
                date = LocalDate.parse(matcher.group(1));
            } else {
                int line = (int) text.substring(0, matcher.start()).chars().filter(c -> c == '\n').count() + 1;
                runs.add(new Run(date, LocalTime.parse(matcher.group(2)), LocalTime.parse(matcher.group(3)), line));
            }
        }
        return runs;
    }

    record Run(LocalDate date, LocalTime start, LocalTime end, int line) {
        @Override
        public String toString() {
            return "%s %s–%s (line %d)".formatted(date, start, end, line);
        }
    }
}
