package io.sagaflow.audit;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

import io.sagaflow.errors.DomainException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Runs an operator action and writes its audit record. The record of an action that took effect is
 * written in the action's own transaction (both commit, or neither); an action that is refused or
 * fails rolls back, and its refusal or failure is then recorded in a transaction of its own, so every
 * attempt leaves exactly one record. The table is append-only (PostgreSQL refuses updates and deletes
 * of it; nothing in Sagaflow writes it otherwise).
 */
@Component
public class Audit {

    /** Who asked: a person or an application, and where. */
    public record Actor(String name, AuditRecord.ActorKind kind, String via) {

        /** The caller of the current API request, as Spring Security authenticated it. */
        public static Actor ofApiCaller() {
            Authentication caller = SecurityContextHolder.getContext().getAuthentication();
            if (caller == null || !caller.isAuthenticated()) {
                return new Actor("anonymous", AuditRecord.ActorKind.USER, "API");
            }
            boolean client = caller.getAuthorities().stream()
                    .anyMatch(authority -> CLIENT_ROLE_AUTHORITY.equals(authority.getAuthority()));
            return new Actor(caller.getName(), client ? AuditRecord.ActorKind.CLIENT : AuditRecord.ActorKind.USER, "API");
        }

        /** A person signed in to Cockpit. */
        public static Actor ofCockpitUser(String userId) {
            return new Actor(userId == null ? "unknown" : userId, AuditRecord.ActorKind.USER, "COCKPIT");
        }
    }

    /** What is asked, before it runs: the action, its saga and target as far as known, the reason. */
    public record Request(String action, String sagaId, String target, String reason) {
    }

    /** The role API clients have (io.sagaflow.security.Scopes.CLIENT_ROLE); audit depends on no project package. */
    static final String CLIENT_ROLE_AUTHORITY = "ROLE_saga-client";
    private static final int MAX_TEXT = 2000;

    private static final String INSERT = """
            INSERT INTO sagaflow.audit_record (recorded_at, actor, actor_kind, via, action, saga_id, target, reason,
                outcome, detail)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """;

    private static final RowMapper<AuditRecord> ROW = (rs, n) -> new AuditRecord(rs.getLong("seq"),
            rs.getTimestamp("recorded_at").toInstant(), rs.getString("actor"),
            AuditRecord.ActorKind.valueOf(rs.getString("actor_kind")), rs.getString("via"), rs.getString("action"),
            rs.getString("saga_id"), rs.getString("target"), rs.getString("reason"),
            AuditRecord.Outcome.valueOf(rs.getString("outcome")), rs.getString("detail"));

    private final JdbcTemplate jdbc;
    private final TransactionTemplate inTransaction;
    private final TransactionTemplate inNewTransaction;
    private final Clock clock;

    Audit(JdbcTemplate jdbc, PlatformTransactionManager transactions, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.inTransaction = new TransactionTemplate(transactions);
        this.inNewTransaction = new TransactionTemplate(transactions);
        this.inNewTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    /**
     * Runs {@code action} in a transaction with the record of its success.
     *
     * @param action returns the saga it turned out to be about ({@code null}: the request's), and may
     *     throw a refusal ({@link DomainException}) or any other failure, which is rethrown after its record
     */
    public <T> T perform(Actor actor, Request request, Supplier<Done<T>> action) {
        try {
            return inTransaction.execute(status -> {
                Done<T> done = action.get();
                write(actor, request, done.sagaId() != null ? done.sagaId() : request.sagaId(), AuditRecord.Outcome.DONE,
                        null);
                return done.result();
            });
        } catch (DomainException refused) {
            recordAlone(actor, request, AuditRecord.Outcome.REFUSED, refused.getMessage());
            throw refused;
        } catch (RuntimeException failed) {
            recordAlone(actor, request, AuditRecord.Outcome.FAILED, String.valueOf(failed.getMessage()));
            throw failed;
        }
    }

    /** What an action returns: its result, and the saga it was about if it learned it. */
    public record Done<T>(T result, String sagaId) {

        public static <T> Done<T> of(T result) {
            return new Done<>(result, null);
        }
    }

    /** An action refused before it ran (the caller may not do it): its own record. */
    public void refused(Actor actor, Request request, String why) {
        recordAlone(actor, request, AuditRecord.Outcome.REFUSED, why);
    }

    private void recordAlone(Actor actor, Request request, AuditRecord.Outcome outcome, String detail) {
        inNewTransaction.executeWithoutResult(status -> write(actor, request, request.sagaId(), outcome, detail));
    }

    private void write(Actor actor, Request request, String sagaId, AuditRecord.Outcome outcome, String detail) {
        jdbc.update(INSERT, Timestamp.from(clock.instant()), bounded(actor.name()), actor.kind().name(), actor.via(),
                request.action(), sagaId, bounded(request.target()), bounded(request.reason()), outcome.name(),
                bounded(detail));
    }

    /** Records matching the filters (each optional), oldest first, at most {@code limit}. */
    public List<AuditRecord> find(String sagaId, String actor, Instant from, Instant to, long afterSeq, int limit) {
        StringBuilder sql = new StringBuilder("SELECT * FROM sagaflow.audit_record WHERE seq > ?");
        List<Object> arguments = new ArrayList<>(List.of(afterSeq));
        if (sagaId != null) {
            sql.append(" AND saga_id = ?");
            arguments.add(sagaId);
        }
        if (actor != null) {
            sql.append(" AND actor = ?");
            arguments.add(actor);
        }
        if (from != null) {
            sql.append(" AND recorded_at >= ?");
            arguments.add(Timestamp.from(from));
        }
        if (to != null) {
            sql.append(" AND recorded_at < ?");
            arguments.add(Timestamp.from(to));
        }
        sql.append(" ORDER BY seq LIMIT ?");
        arguments.add(limit);
        return jdbc.query(sql.toString(), ROW, arguments.toArray());
    }

    /** Every record of a time range, oldest first, in pages, for an export that does not hold them all. */
    public void forEach(Instant from, Instant to, Consumer<AuditRecord> each) {
        long after = 0;
        while (true) {
            List<AuditRecord> page = find(null, null, from, to, after, 1000);
            page.forEach(each);
            if (page.size() < 1000) {
                return;
            }
            after = page.get(page.size() - 1).seq();
        }
    }

    private static String bounded(String text) {
        return text == null || text.length() <= MAX_TEXT ? text : text.substring(0, MAX_TEXT);
    }
}
