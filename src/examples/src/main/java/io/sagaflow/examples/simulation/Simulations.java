package io.sagaflow.examples.simulation;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.contract.ReplyBody;
import io.sagaflow.participant.Command;
import io.sagaflow.participant.CommandHandler;
import io.sagaflow.participant.Participant;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Failure simulation for demos and tests, read only by the example participants. A saga started
 * with {@code "simulate": ["payment.charge:delay=PT30S"]} makes that command behave as asked:
 * <ul>
 *   <li>{@code delay=<ISO duration>}: the effect happens, the reply is published only after the delay;</li>
 *   <li>{@code technical-failure}: fails technically every time, until cleared with
 *       {@code DELETE /api/examples/simulations/{sagaId}};</li>
 *   <li>{@code technical-failure-once}: fails technically on the first command, a re-sent one succeeds;</li>
 *   <li>{@code business-failure}: the participant refuses the command.</li>
 * </ul>
 * The list travels with every command of the saga: {@code simulate} is a command-context variable
 * ({@code sagaflow.saga.command-context} in application.yml, header {@code sagaflow-context-simulate}),
 * and the orchestrator refuses a start whose entries do not match the pattern configured there. The
 * participants read it from the command; they never see the orchestrator's start. Clearing a saga's
 * simulations records that in {@code examples.simulation} (row {@code command = '*'}), which every
 * later command of the saga respects.
 */
@Component
public class Simulations {

    static final String INPUT = "simulate";
    /** The {@code examples.simulation} row that says a saga's simulations were cleared. */
    private static final String CLEARED = "*";

    private final JdbcTemplate jdbc;
    private final ObjectMapper objectMapper;

    Simulations(JdbcTemplate jdbc, ObjectMapper objectMapper) {
        this.jdbc = jdbc;
        this.objectMapper = objectMapper;
    }

    /** One simulated behaviour of one command. */
    record Simulation(String command, String behaviour) {

        static Simulation parse(String text) {
            int colon = text == null ? -1 : text.indexOf(':');
            if (colon <= 0 || colon == text.length() - 1) {
                throw new IllegalArgumentException(INPUT + ": entries are \"<command>:<behaviour>\", got \"" + text + "\"");
            }
            Simulation simulation = new Simulation(text.substring(0, colon).trim(), text.substring(colon + 1).trim());
            simulation.validate();
            return simulation;
        }

        private void validate() {
            switch (behaviour) {
                case "technical-failure", "technical-failure-once", "business-failure" -> { }
                default -> {
                    if (!behaviour.startsWith("delay=")) {
                        throw new IllegalArgumentException(INPUT + ": unknown behaviour \"" + behaviour + "\" (delay=<ISO "
                                + "duration>, technical-failure, technical-failure-once, business-failure)");
                    }
                    delay();
                }
            }
        }

        Duration delay() {
            try {
                return Duration.parse(behaviour.substring("delay=".length()));
            } catch (DateTimeParseException e) {
                throw new IllegalArgumentException(INPUT + ": delay is not an ISO-8601 duration: " + behaviour);
            }
        }
    }

    /** Ends the saga's simulations: its later commands (retries included) behave normally. */
    int clear(String sagaId) {
        jdbc.update("DELETE FROM examples.simulation WHERE saga_id = ?", sagaId);
        return jdbc.update("INSERT INTO examples.simulation (saga_id, command, behaviour) VALUES (?, ?, ?)", sagaId,
                CLEARED, "cleared");
    }

    /** The simulation of this command, from the list the command carries, unless the saga's were cleared. */
    Optional<Simulation> find(Command command) {
        String input = command.context().get(INPUT);
        if (input == null) {
            return Optional.empty();
        }
        List<String> entries;
        try {
            entries = objectMapper.readValue(input, new TypeReference<List<String>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(INPUT + ": must be a list of \"<command>:<behaviour>\" strings", e);
        }
        Optional<Simulation> simulation = entries.stream().map(Simulation::parse)
                .filter(entry -> entry.command().equals(command.type()))
                .reduce((first, later) -> later); // the last entry of a command wins, as before
        if (simulation.isEmpty() || cleared(command.sagaId())) {
            return Optional.empty();
        }
        return simulation;
    }

    private boolean cleared(String sagaId) {
        return !jdbc.queryForList("SELECT behaviour FROM examples.simulation WHERE saga_id = ? AND command = ?",
                String.class, sagaId, CLEARED).isEmpty();
    }

    /** The handler, with this saga's simulated behaviour of the command (if any) in front of it. */
    public CommandHandler around(CommandHandler handler) {
        return command -> {
            Optional<String> behaviour = find(command).map(Simulation::behaviour);
            if (behaviour.isEmpty()) {
                return handler.handle(command);
            }
            return switch (behaviour.get()) {
                case "business-failure" -> ReplyBody.businessFailure("simulated business failure of "
                        + command.type());
                case "technical-failure" -> throw new SimulatedTechnicalFailure(command);
                case "technical-failure-once" -> {
                    if (command.attempt() == 1) {
                        throw new SimulatedTechnicalFailure(command);
                    }
                    yield handler.handle(command);
                }
                default -> handler.handle(command); // delay: see replyDelay
            };
        };
    }

    /** For {@link Participant.Builder#delayReplies}: the simulated delay of the command's reply. */
    public Duration replyDelay(Command command) {
        return find(command).filter(simulation -> simulation.behaviour().startsWith("delay="))
                .map(Simulation::delay).orElse(Duration.ZERO);
    }

    static final class SimulatedTechnicalFailure extends RuntimeException {
        SimulatedTechnicalFailure(Command command) {
            super("simulated technical failure of " + command.type() + " (attempt " + command.attempt() + ")");
        }
    }
}
