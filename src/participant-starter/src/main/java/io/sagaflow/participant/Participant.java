package io.sagaflow.participant;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

import io.sagaflow.contract.Topology;

/**
 * A service that executes saga commands: a name (its queue is {@code sagaflow.participant.<name>})
 * and one handler per command type. Declare it as a bean; the kit does the rest (queue, bindings,
 * consumer, inbox, barrier, reply).
 *
 * <pre>{@code
 * @Bean Participant inventory(Stock stock) {
 *     return Participant.named("inventory")
 *             .handle("inventory.reserve", stock::reserve)
 *             .handle("inventory.release", stock::release)
 *             .build();
 * }
 * }</pre>
 */
public final class Participant {

    /** How long to hold back the reply to a command (a demo and test aid; normally zero). */
    @FunctionalInterface
    public interface ReplyDelay {
        Duration of(Command command);
    }

    private final String name;
    private final Map<String, CommandHandler> handlers;
    private final ReplyDelay replyDelay;

    private Participant(String name, Map<String, CommandHandler> handlers, ReplyDelay replyDelay) {
        this.name = name;
        this.handlers = Map.copyOf(handlers);
        this.replyDelay = replyDelay;
    }

    public static Builder named(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public String queue() {
        return Topology.participantQueue(name);
    }

    public Set<String> commandTypes() {
        return handlers.keySet();
    }

    Optional<CommandHandler> handlerFor(String commandType) {
        return Optional.ofNullable(handlers.get(commandType));
    }

    Duration replyDelay(Command command) {
        return replyDelay.of(command);
    }

    public static final class Builder {

        private final String name;
        private final Map<String, CommandHandler> handlers = new LinkedHashMap<>();
        private ReplyDelay replyDelay = command -> Duration.ZERO;

        private Builder(String name) {
            if (name == null || !name.matches("[a-z][a-z0-9-]{0,25}")) {
                throw new IllegalArgumentException("participant name must be 1 to 26 lower-case letters, digits, "
                        + "dashes: " + name);
            }
            this.name = name;
        }

        public Builder handle(String commandType, CommandHandler handler) {
            Objects.requireNonNull(handler, "handler");
            if (handlers.putIfAbsent(commandType, handler) != null) {
                throw new IllegalArgumentException("two handlers for " + commandType);
            }
            return this;
        }

        /** The reply is written with the effect, but published only after the delay. */
        public Builder delayReplies(ReplyDelay replyDelay) {
            this.replyDelay = Objects.requireNonNull(replyDelay, "replyDelay");
            return this;
        }

        public Participant build() {
            if (handlers.isEmpty()) {
                throw new IllegalStateException("participant " + name + " handles no command");
            }
            return new Participant(name, handlers, replyDelay);
        }
    }
}
