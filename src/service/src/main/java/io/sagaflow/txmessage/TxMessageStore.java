package io.sagaflow.txmessage;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sagaflow.retention.BatchDelete;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The {@code sagaflow.tx_message} table. Every write joins the caller's transaction (it must have
 * one), and every state change names the state it expects, so an illegal transition changes
 * nothing and fails loudly. Times come from the caller, who takes them from the injected clock.
 */
@Component
class TxMessageStore {

    private static final String COLUMNS = """
            id, producer_group, exchange, routing_key, message_type, headers, payload, state, checks,
            next_check_at, last_check_at, last_check_result, decided_by, decided_at, created_at""";

    private static final String DELETE_DECIDED_BATCH = """
            DELETE FROM sagaflow.tx_message WHERE id IN (
                SELECT id FROM sagaflow.tx_message
                WHERE state IN ('COMMITTED', 'ROLLED_BACK') AND decided_at < ?
                ORDER BY decided_at LIMIT ?)
            """;

    private final JdbcTemplate jdbc;
    private final ObjectMapper objectMapper;

    TxMessageStore(JdbcTemplate jdbc, ObjectMapper objectMapper) {
        this.jdbc = jdbc;
        this.objectMapper = objectMapper;
    }

    /** @return {@code false} if a message with this id exists already */
    @Transactional(propagation = Propagation.MANDATORY)
    public boolean insertHalf(HalfMessage message, Instant now, Instant firstCheckAt) {
        return jdbc.update("""
                INSERT INTO sagaflow.tx_message (id, producer_group, exchange, routing_key, message_type, headers,
                    payload, state, checks, next_check_at, created_at)
                SELECT ?, ?, ?, ?, ?, ?, ?, 'HALF', 0, ?, ?
                WHERE NOT EXISTS (SELECT 1 FROM sagaflow.tx_message WHERE id = ?)
                """, message.id(), message.producerGroup(), message.exchange(), message.routingKey(), message.type(),
                toJson(message.headers()), message.payload(), Timestamp.from(firstCheckAt), Timestamp.from(now),
                message.id()) == 1;
    }

    public Optional<StoredTxMessage> find(String id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM sagaflow.tx_message WHERE id = ?", this::row, id)
                .stream().findFirst();
    }

    /** Reads the row and locks it until the caller's transaction ends, so decisions are serialized. */
    @Transactional(propagation = Propagation.MANDATORY)
    public Optional<StoredTxMessage> lock(String id) {
        return jdbc.query("SELECT " + COLUMNS + " FROM sagaflow.tx_message WHERE id = ? FOR UPDATE", this::row, id)
                .stream().findFirst();
    }

    @Transactional(propagation = Propagation.MANDATORY)
    public void decide(StoredTxMessage message, TxMessageState next, DecidedBy by, Instant now) {
        message.state().moveTo(next);
        int updated = jdbc.update("""
                UPDATE sagaflow.tx_message SET state = ?, decided_by = ?, decided_at = ?
                WHERE id = ? AND state = ?
                """, next.name(), by.name(), Timestamp.from(now), message.id(), message.state().name());
        requireOneRow(updated, message, next);
    }

    @Transactional(propagation = Propagation.MANDATORY)
    public void park(StoredTxMessage message, Instant now) {
        message.state().moveTo(TxMessageState.PARKED);
        int updated = jdbc.update("""
                UPDATE sagaflow.tx_message SET state = 'PARKED', decided_at = ?
                WHERE id = ? AND state = 'HALF'
                """, Timestamp.from(now), message.id());
        requireOneRow(updated, message, TxMessageState.PARKED);
    }

    /**
     * Claims HALF messages whose next check is due; instances sharing the database skip each
     * other's claimed rows, so every due message is checked by exactly one of them.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public List<StoredTxMessage> claimDue(Instant now, int limit) {
        return jdbc.query("SELECT " + COLUMNS + """
                 FROM sagaflow.tx_message
                WHERE state = 'HALF' AND next_check_at <= ?
                ORDER BY next_check_at
                LIMIT ?
                FOR UPDATE SKIP LOCKED
                """, this::row, Timestamp.from(now), limit);
    }

    @Transactional(propagation = Propagation.MANDATORY)
    public void recordCheck(String id, int checks, Instant lastCheckAt, Instant nextCheckAt, CheckResult result) {
        jdbc.update("""
                UPDATE sagaflow.tx_message SET checks = ?, last_check_at = ?, next_check_at = ?, last_check_result = ?
                WHERE id = ? AND state = 'HALF'
                """, checks, lastCheckAt == null ? null : Timestamp.from(lastCheckAt), Timestamp.from(nextCheckAt),
                result.name(), id);
    }

    /** The producer's answer to a check; only informative, the decision (if any) is made by the caller. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void recordAnswer(String id, CheckResult answer) {
        jdbc.update("UPDATE sagaflow.tx_message SET last_check_result = ? WHERE id = ?", answer.name(), id);
    }

    /** Oldest first; {@code state} {@code null} for every state. */
    public List<StoredTxMessage> list(TxMessageState state, int limit) {
        if (state == null) {
            return jdbc.query("SELECT " + COLUMNS + " FROM sagaflow.tx_message ORDER BY created_at, id LIMIT ?",
                    this::row, limit);
        }
        return jdbc.query("SELECT " + COLUMNS + " FROM sagaflow.tx_message WHERE state = ? ORDER BY created_at, id "
                + "LIMIT ?", this::row, state.name(), limit);
    }

    public long count(TxMessageState state) {
        Long count = jdbc.queryForObject("SELECT COUNT(*) FROM sagaflow.tx_message WHERE state = ?", Long.class,
                state.name());
        return count == null ? 0 : count;
    }

    public Optional<Instant> oldestHalfCreatedAt() {
        Timestamp oldest = jdbc.queryForObject("SELECT MIN(created_at) FROM sagaflow.tx_message WHERE state = 'HALF'",
                Timestamp.class);
        return Optional.ofNullable(oldest).map(Timestamp::toInstant);
    }

    /**
     * Deletes COMMITTED and ROLLED_BACK rows decided before {@code cutoff}, {@code batchSize} per statement.
     *
     * @return rows deleted in all
     */
    public int deleteDecidedBefore(Instant cutoff, int batchSize) {
        return BatchDelete.untilDone(jdbc, DELETE_DECIDED_BATCH, Timestamp.from(cutoff), batchSize);
    }

    private static void requireOneRow(int updated, StoredTxMessage message, TxMessageState next) {
        if (updated != 1) {
            throw new IllegalStateException("transactional message " + message.id() + " was not " + message.state()
                    + " any more when moving it to " + next);
        }
    }

    private StoredTxMessage row(ResultSet rs, int rowNum) throws SQLException {
        return new StoredTxMessage(rs.getString("id"), rs.getString("producer_group"), rs.getString("exchange"),
                rs.getString("routing_key"), rs.getString("message_type"), fromJson(rs.getString("headers")),
                rs.getString("payload"), TxMessageState.valueOf(rs.getString("state")), rs.getInt("checks"),
                instant(rs, "next_check_at"), instant(rs, "last_check_at"),
                enumOrNull(CheckResult.class, rs.getString("last_check_result")),
                enumOrNull(DecidedBy.class, rs.getString("decided_by")), instant(rs, "decided_at"),
                instant(rs, "created_at"));
    }

    private static Instant instant(ResultSet rs, String column) throws SQLException {
        Timestamp value = rs.getTimestamp(column);
        return value == null ? null : value.toInstant();
    }

    private static <E extends Enum<E>> E enumOrNull(Class<E> type, String value) {
        return value == null ? null : Enum.valueOf(type, value);
    }

    private String toJson(Map<String, String> headers) {
        try {
            return objectMapper.writeValueAsString(headers);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("headers are not serializable", e);
        }
    }

    private Map<String, String> fromJson(String headers) {
        try {
            return objectMapper.readValue(headers, new TypeReference<TreeMap<String, String>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable headers in sagaflow.tx_message", e);
        }
    }
}
