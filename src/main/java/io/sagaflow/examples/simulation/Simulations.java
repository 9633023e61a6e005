package io.sagaflow.examples.simulation;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.messaging.ReplyBody;
import io.sagaflow.participant.Command;
import io.sagaflow.participant.CommandHandler;
import io.sagaflow.participant.Participant;
import io.sagaflow.saga.SagaStarted;
import io.sagaflow.web.ApiException;
import org.springframework.context.event.EventListener;
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
 */
@Component
public class Simulations {

    static final String INPUT = "simulate";

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
                throw ApiException.invalidField(INPUT, "entries are \"<command>:<behaviour>\", got \"" + text + "\"");
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
                        throw ApiException.invalidField(INPUT, "unknown behaviour \"" + behaviour + "\" (delay=<ISO "
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
                throw ApiException.invalidField(INPUT, "delay is not an ISO-8601 duration: " + behaviour);
            }
        }
    }

    /** Stores the simulations of a saga being started, in the start's transaction. */
    @EventListener
    void onSagaStarted(SagaStarted started) {
        Object input = started.variables().get(INPUT);
        if (input == null) {
            return;
        }
        List<String> entries;
        try {
            entries = objectMapper.readValue(input.toString(), new TypeReference<List<String>>() { });
        } catch (JsonProcessingException e) {
            throw ApiException.invalidField(INPUT, "must be a list of \"<command>:<behaviour>\" strings");
        }
        for (String entry : entries) {
            Simulation simulation = Simulation.parse(entry);
            jdbc.update("DELETE FROM examples.simulation WHERE saga_id = ? AND command = ?", started.sagaId(),
                    simulation.command());
            jdbc.update("INSERT INTO examples.simulation (saga_id, command, behaviour) VALUES (?, ?, ?)",
                    started.sagaId(), simulation.command(), simulation.behaviour());
        }
    }

    int clear(String sagaId) {
        return jdbc.update("DELETE FROM examples.simulation WHERE saga_id = ?", sagaId);
    }

    Optional<Simulation> find(Command command) {
        return jdbc.query("SELECT command, behaviour FROM examples.simulation WHERE saga_id = ? AND command = ?",
                (rs, n) -> new Simulation(rs.getString("command"), rs.getString("behaviour")), command.sagaId(),
                command.type()).stream().findFirst();
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
