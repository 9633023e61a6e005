package io.sagaflow.web;

import java.time.Clock;

import io.sagaflow.retention.RetentionProperties;
import io.sagaflow.retention.TableRetention;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Deletes {@code Idempotency-Key} rows older than {@code sagaflow.api.idempotency-retention}.
 */
@Component
class IdempotencyKeyRetention extends TableRetention {

    IdempotencyKeyRetention(JdbcTemplate jdbc, ApiProperties api, RetentionProperties properties, Clock clock) {
        super("idempotency keys", """
                DELETE FROM sagaflow.idempotency_key WHERE (principal, idem_key) IN (
                    SELECT principal, idem_key FROM sagaflow.idempotency_key WHERE created_at < ? LIMIT ?)
                """, api.idempotencyRetention(), jdbc, properties, clock);
    }
}
