package io.sagaflow.saga;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.sagaflow.contract.Topology;
import io.sagaflow.errors.InvalidInputException;
import io.sagaflow.errors.NotFoundException;
import io.sagaflow.outbox.Outbox;
import io.sagaflow.outbox.OutboxAdmin;
import io.sagaflow.outbox.OutboxMessage;
import io.sagaflow.roles.ConditionalOnOrchestratorRole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Pausing a participant: an operator's answer to a participant that is down or being redeployed, so
 * that the sagas waiting on it wait instead of being compensated by their step deadlines.
 *
 * <p>A participant is named by a prefix of its command names ({@code payment.} pauses
 * {@code payment.charge} and {@code payment.refund}). While it is paused:
 * <ul>
 *   <li>its commands stay PENDING in the outbox, in their order (a hold on the commands exchange,
 *       {@link OutboxAdmin#hold}); every instance's relay honours it, because it is a row in the database;</li>
 *   <li>the deadlines of steps waiting on it do not run ({@link SagaSteps#claimOverdue} skips them);
 *       on resume each gets back the time it had left when the pause began (a step sent during the
 *       pause gets its whole deadline), in the transaction that releases the hold.</li>
 * </ul>
 * Resume lets the relay publish the held commands in order. Pausing is not stopping the relay:
 * every other participant's commands, replies and events go on.
 */
@Service
@ConditionalOnOrchestratorRole
public class ParticipantPauses {

    private static final Logger log = LoggerFactory.getLogger(ParticipantPauses.class);

    /** A command name prefix: what command names are made of, no wildcard. */
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,199}");

    /**
     * A paused participant.
     *
     * @param heldCommands its commands that wait in the outbox (not published)
     * @param waitingSteps steps whose command was sent before the pause and whose deadline stands still
     */
    public record Pause(String commandPrefix, Instant pausedAt, String pausedBy, String reason, boolean automatic,
                        long heldCommands, long waitingSteps) {
    }

    /** @param alreadyPaused the participant was paused before this call, which changed nothing */
    public record Paused(Pause pause, boolean alreadyPaused) {
    }

    /**
     * @param pausedFor how long it was paused: the time every waiting step's deadline got back
     * @param releasedCommands commands the relay now publishes, in order
     * @param resumedDeadlines steps whose deadline runs again
     */
    public record Resumed(String commandPrefix, Instant pausedAt, Duration pausedFor, long releasedCommands,
                          int resumedDeadlines) {
    }

    /** Routing keys of the events on {@code sagaflow.events}; their AMQP type is the same without the prefix. */
    static final String PAUSED_EVENT = "sagaflow.participant.paused";
    static final String RESUMED_EVENT = "sagaflow.participant.resumed";

    private final OutboxAdmin outbox;
    private final Outbox events;
    private final ObjectMapper json;
    private final JdbcTemplate jdbc;
    private final Clock clock;

    ParticipantPauses(OutboxAdmin outbox, Outbox events, ObjectMapper json, JdbcTemplate jdbc, Clock clock,
                      MeterRegistry meters) {
        this.outbox = outbox;
        this.events = events;
        this.json = json;
        this.jdbc = jdbc;
        this.clock = clock;
        Gauge.builder("sagaflow.participants.paused", () -> holdsOnCommands().size())
                .description("Participants paused (command name prefixes)").register(meters);
    }

    /** Pauses the participant, or leaves its pause as it is if it is paused already. */
    @Transactional
    public Paused pause(String commandPrefix, String pausedBy, String reason, boolean automatic) {
        String prefix = validPrefix(commandPrefix);
        boolean placed = outbox.hold(Topology.COMMANDS_EXCHANGE, prefix, pausedBy, reason, automatic);
        Pause pause = find(prefix).orElseThrow();
        if (placed) {
            announce(PAUSED_EVENT, pause, null, null);
            log.warn("Participant {}* paused by {}{}: its commands wait in the outbox, its steps' deadlines stand still",
                    prefix, pausedBy, reason == null ? "" : " (" + reason + ")");
        }
        return new Paused(pause, !placed);
    }

    /**
     * Resumes a paused participant: its held commands are published in order, and the deadlines of
     * the steps waiting on it run again with the time they had left.
     *
     * @throws NotFoundException if it is not paused
     */
    @Transactional
    public Resumed resume(String commandPrefix, String resumedBy) {
        String prefix = validPrefix(commandPrefix);
        OutboxAdmin.Hold hold = outbox.release(Topology.COMMANDS_EXCHANGE, prefix)
                .orElseThrow(() -> new NotFoundException("no participant is paused under the command prefix " + prefix));
        Instant now = clock.instant();
        int resumed = giveDeadlinesBack(prefix, hold.heldSince(), now);
        Duration pausedFor = Duration.between(hold.heldSince(), now);
        announce(RESUMED_EVENT, pauseOf(hold), resumedBy, now);
        log.info("Participant {}* resumed after {}: {} held commands go out, {} step deadlines run again", prefix,
                pausedFor, hold.pendingMessages(), resumed);
        return new Resumed(prefix, hold.heldSince(), pausedFor, hold.pendingMessages(), resumed);
    }

    public List<Pause> list() {
        return holdsOnCommands().stream().map(this::pauseOf).toList();
    }

    public Optional<Pause> find(String commandPrefix) {
        return outbox.findHold(Topology.COMMANDS_EXCHANGE, commandPrefix).map(this::pauseOf);
    }

    private List<OutboxAdmin.Hold> holdsOnCommands() {
        return outbox.holds().stream().filter(hold -> Topology.COMMANDS_EXCHANGE.equals(hold.exchange())).toList();
    }

    private Pause pauseOf(OutboxAdmin.Hold hold) {
        Long waiting = jdbc.queryForObject("""
                SELECT COUNT(*) FROM sagaflow.saga_step
                WHERE status = 'WAITING' AND LEFT(command, LENGTH(?)) = ?
                """, Long.class, hold.routingKeyPrefix(), hold.routingKeyPrefix());
        // Held commands are WAITING steps too (recorded when the command was written): count them once.
        long sentBeforeThePause = Math.max(0, (waiting == null ? 0 : waiting) - hold.pendingMessages());
        return new Pause(hold.routingKeyPrefix(), hold.heldSince(), hold.heldBy(), hold.reason(), hold.automatic(),
                hold.pendingMessages(), sentBeforeThePause);
    }

    /**
     * Every WAITING step of the prefix gets its deadline moved by the time it stood still: from the
     * pause, or from when it was sent if that was later. A step still under another pause (a longer
     * prefix paused too) is left to that one.
     */
    private int giveDeadlinesBack(String prefix, Instant pausedAt, Instant now) {
        List<String> otherPauses = holdsOnCommands().stream().map(OutboxAdmin.Hold::routingKeyPrefix).toList();
        List<Object[]> moves = new ArrayList<>();
        jdbc.query("""
                SELECT command_id, command, sent_at, deadline_at FROM sagaflow.saga_step
                WHERE status = 'WAITING' AND deadline_at IS NOT NULL AND LEFT(command, LENGTH(?)) = ?
                FOR UPDATE
                """, rs -> {
            String command = rs.getString("command");
            if (otherPauses.stream().anyMatch(command::startsWith)) {
                return;
            }
            Instant sentAt = rs.getTimestamp("sent_at").toInstant();
            Instant stoodStillSince = sentAt.isAfter(pausedAt) ? sentAt : pausedAt;
            Duration stoodStill = Duration.between(stoodStillSince, now);
            if (stoodStill.isNegative()) {
                return;
            }
            Instant deadlineAt = rs.getTimestamp("deadline_at").toInstant().plus(stoodStill);
            moves.add(new Object[] {Timestamp.from(deadlineAt), rs.getString("command_id")});
        }, prefix, prefix);
        jdbc.batchUpdate("UPDATE sagaflow.saga_step SET deadline_at = ? WHERE command_id = ? AND status = 'WAITING'",
                moves);
        return moves.size();
    }

    /**
     * An event on {@code sagaflow.events} in the same transaction (docs/asyncapi.yaml, channel
     * {@code participantEvents}): whoever watches the fleet learns of a pause, above all an automatic one.
     */
    private void announce(String routingKey, Pause pause, String resumedBy, Instant resumedAt) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("commandPrefix", pause.commandPrefix());
        body.put("automatic", pause.automatic());
        body.put("pausedBy", pause.pausedBy());
        if (pause.reason() != null) {
            body.put("reason", pause.reason());
        }
        body.put("pausedAt", pause.pausedAt().toString());
        if (resumedAt != null) {
            body.put("resumedBy", resumedBy);
            body.put("resumedAt", resumedAt.toString());
        }
        try {
            events.append(OutboxMessage.to(Topology.EVENTS_EXCHANGE, routingKey,
                    routingKey.substring("sagaflow.".length()), json.writeValueAsString(body)).asBroadcast());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("participant event not serializable", e);
        }
    }

    private static String validPrefix(String commandPrefix) {
        if (commandPrefix == null || commandPrefix.isBlank()) {
            throw new InvalidInputException("commandPrefix", "is required: the start of the command names of the "
                    + "participant to pause, such as its name and a dot");
        }
        if (!PREFIX.matcher(commandPrefix).matches()) {
            throw new InvalidInputException("commandPrefix", "must be 1 to 200 letters, digits, '.', '_' or '-' "
                    + "(a command name prefix, no wildcard), not " + commandPrefix);
        }
        return commandPrefix;
    }
}
