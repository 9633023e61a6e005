package io.sagaflow.participant;

import java.time.Clock;

import io.sagaflow.retention.RetentionProperties;
import io.sagaflow.retention.TableRetention;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Deletes barrier rows older than {@code sagaflow.retention.deduplication}: a copy of a command older
 * than that would be executed again, so the setting stays well above the outbox retention.
 */
@Component
class BarrierRetention extends TableRetention {

    BarrierRetention(JdbcTemplate jdbc, RetentionProperties properties, Clock clock) {
        super("barrier rows", """
                DELETE FROM sagaflow.participant_barrier WHERE (participant, saga_id, step, op) IN (
                    SELECT participant, saga_id, step, op FROM sagaflow.participant_barrier WHERE created_at < ? LIMIT ?)
                """, properties.deduplication(), jdbc, properties, clock);
    }
}
