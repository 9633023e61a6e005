package io.sagaflow.web;

import java.net.URI;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.sagaflow.database.DuplicateKeys;
import io.sagaflow.errors.ConflictException;
import io.sagaflow.errors.InvalidInputException;
import io.sagaflow.support.Sha256;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The {@value #HEADER} request header: a client that retries a request (its answer was lost, it
 * timed out) sends the same key and gets the first answer again, with {@value #REPLAYED_HEADER}:
 * {@code true}, instead of a second effect. Keys belong to the authenticated principal and live for
 * {@code sagaflow.api.idempotency-retention} (24 h by default).
 *
 * <p>The request's effect and the stored answer commit in one transaction, and the key is the
 * primary key of that row: of two concurrent requests with one key, the database lets one commit and
 * the other replays it. A key sent again with another request (method, path or body) is refused with
 * 422. Only successful answers are stored: a refused request can be corrected and sent with the same key.
 */
@Component
public class IdempotentRequests {

    public static final String HEADER = "Idempotency-Key";
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";
    static final int MAX_KEY_LENGTH = 255;
    private static final int MAX_ATTEMPTS = 5;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate transactions;
    private final ObjectMapper objectMapper;
    /** Sorted keys and properties: the same body in any order has one fingerprint. */
    private final ObjectMapper canonicalJson;
    private final Clock clock;

    IdempotentRequests(JdbcTemplate jdbc, PlatformTransactionManager transactionManager, ObjectMapper objectMapper,
                       Clock clock) {
        this.jdbc = jdbc;
        this.transactions = new TransactionTemplate(transactionManager);
        this.objectMapper = objectMapper;
        this.canonicalJson = JsonMapper.builder()
                .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
                .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
                .findAndAddModules()
                .build();
        this.clock = clock;
    }

    private record StoredAnswer(String requestHash, int status, String body, String location) {
    }

    /**
     * Runs {@code action} once per key: without a key it simply runs it.
     *
     * @param key the request's {@value #HEADER}, or {@code null}
     * @param operation method and path, e.g. {@code POST /api/orders}: part of what must match
     * @param body the request body
     */
    public <T> ResponseEntity<T> execute(String key, String operation, Object body, Class<T> answerType,
                                         Supplier<ResponseEntity<T>> action) {
        if (key == null) {
            return action.get();
        }
        if (key.isBlank() || key.length() > MAX_KEY_LENGTH) {
            throw new InvalidInputException(HEADER, "must be 1 to " + MAX_KEY_LENGTH + " characters");
        }
        String principal = principal();
        String requestHash = Sha256.hex(operation + "\n" + canonical(body));
        for (int attempt = 1; ; attempt++) {
            try {
                return transactions.execute(status -> {
                    ResponseEntity<T> answer = action.get();
                    if (answer.getStatusCode().is2xxSuccessful()) {
                        store(principal, key, requestHash, answer);
                    }
                    return answer;
                });
            } catch (RuntimeException e) {
                if (!DuplicateKeys.isCause(e)) {
                    throw e;
                }
            }
            Optional<StoredAnswer> stored = find(principal, key);
            if (stored.isPresent()) {
                return replay(stored.get(), requestHash, answerType);
            }
            if (attempt == MAX_ATTEMPTS) {
                throw new ConflictException("a request with this " + HEADER + " is in progress; "
                        + "retry it");
            }
            LockSupport.parkNanos(10_000_000L << attempt);
        }
    }

    private void store(String principal, String key, String requestHash, ResponseEntity<?> answer) {
        URI location = answer.getHeaders().getLocation();
        jdbc.update("""
                INSERT INTO sagaflow.idempotency_key (principal, idem_key, request_hash, response_code, response_body,
                    location, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, principal, key, requestHash, answer.getStatusCode().value(), json(objectMapper, answer.getBody()),
                location == null ? null : location.toString(), Timestamp.from(clock.instant()));
    }

    private Optional<StoredAnswer> find(String principal, String key) {
        List<StoredAnswer> rows = jdbc.query("""
                SELECT request_hash, response_code, response_body, location FROM sagaflow.idempotency_key
                WHERE principal = ? AND idem_key = ?
                """, (rs, n) -> new StoredAnswer(rs.getString(1), rs.getInt(2), rs.getString(3), rs.getString(4)),
                principal, key);
        return rows.stream().findFirst();
    }

    private <T> ResponseEntity<T> replay(StoredAnswer stored, String requestHash, Class<T> answerType) {
        if (!stored.requestHash().equals(requestHash)) {
            throw new ApiException(HttpStatus.UNPROCESSABLE_ENTITY, HEADER, "this " + HEADER + " was used for "
                    + "another request (method, path or body differ); use a new key for a new request");
        }
        ResponseEntity.BodyBuilder answer = ResponseEntity.status(stored.status()).header(REPLAYED_HEADER, "true");
        if (stored.location() != null) {
            answer.location(URI.create(stored.location()));
        }
        try {
            return answer.body(objectMapper.readValue(stored.body(), answerType));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored answer of an idempotent request is unreadable", e);
        }
    }

    private String canonical(Object body) {
        // Through a tree, so a Map body and a record body are ordered the same way.
        return json(canonicalJson, canonicalJson.valueToTree(body));
    }

    private static String json(ObjectMapper mapper, Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("not serializable: " + e.getOriginalMessage(), e);
        }
    }

    private static String principal() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        return authentication == null ? "anonymous" : authentication.getName();
    }
}
