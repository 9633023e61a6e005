package io.sagaflow.saga;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import org.springframework.core.io.DefaultResourceLoader;
import org.springframework.core.io.Resource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The command names of the message contract: every {@code channels.*.parameters.command.enum} of
 * one or more AsyncAPI documents, Sagaflow's own ({@value #OWN_CONTRACT}, packaged from
 * docs/asyncapi.yaml) and a project's ({@code sagaflow.modelling.contracts}). The deployment check
 * ({@link SagaShapeRules}) reports a step whose command is not one of them, with the nearest known name
 * (a misspelt command is otherwise found only when the broker returns it).
 */
final class CommandCatalogue {

    static final String OWN_CONTRACT = "classpath:sagaflow/asyncapi.yaml";

    private final Set<String> commands;
    private final List<String> sources;

    private CommandCatalogue(Set<String> commands, List<String> sources) {
        this.commands = commands;
        this.sources = sources;
    }

    /** The commands of the documents at {@code locations} (Spring resource locations: classpath:, file:). */
    static CommandCatalogue of(Collection<String> locations) {
        Set<String> commands = new TreeSet<>();
        DefaultResourceLoader loader = new DefaultResourceLoader(CommandCatalogue.class.getClassLoader());
        for (String location : locations) {
            Resource resource = loader.getResource(location.trim());
            try (InputStream in = resource.getInputStream()) {
                commandsOf(new Yaml(new SafeConstructor(new LoaderOptions())).load(in), commands);
            } catch (IOException e) {
                throw new UncheckedIOException("the message contract " + location + " cannot be read "
                        + "(sagaflow.modelling.contracts)", e);
            }
        }
        return new CommandCatalogue(Set.copyOf(commands), List.copyOf(locations));
    }

    private static void commandsOf(Object document, Set<String> commands) {
        if (!(document instanceof Map<?, ?> root) || !(root.get("channels") instanceof Map<?, ?> channels)) {
            return;
        }
        for (Object channel : channels.values()) {
            if (channel instanceof Map<?, ?> c && c.get("parameters") instanceof Map<?, ?> parameters
                    && parameters.get("command") instanceof Map<?, ?> command
                    && command.get("enum") instanceof List<?> names) {
                names.forEach(name -> commands.add(String.valueOf(name)));
            }
        }
    }

    boolean knows(String command) {
        return commands.contains(command);
    }

    List<String> sources() {
        return sources;
    }

    /** The known command closest to {@code command}, if it is a likely misspelling (at most 2 edits). */
    Optional<String> nearest(String command) {
        return commands.stream()
                .map(known -> Map.entry(known, editDistance(known, command)))
                .filter(entry -> entry.getValue() <= 2)
                .min(Comparator.comparingInt(Map.Entry<String, Integer>::getValue).thenComparing(Map.Entry::getKey))
                .map(Map.Entry::getKey);
    }

    /** Levenshtein distance. */
    static int editDistance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitution, Math.min(previous[j] + 1, current[j - 1] + 1));
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
