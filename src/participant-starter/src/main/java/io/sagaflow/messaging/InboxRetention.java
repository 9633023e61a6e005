package io.sagaflow.messaging;

import java.time.Clock;

import io.sagaflow.retention.RetentionProperties;
import io.sagaflow.retention.TableRetention;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Deletes inbox rows older than {@code sagaflow.retention.deduplication}: a copy of a message older
 * than that would be processed again, so the setting stays well above the outbox retention.
 */
@Component
class InboxRetention extends TableRetention {

    InboxRetention(JdbcTemplate jdbc, RetentionProperties properties, Clock clock) {
        super("inbox rows", """
                DELETE FROM sagaflow.inbox_message WHERE (consumer, message_id) IN (
                    SELECT consumer, message_id FROM sagaflow.inbox_message WHERE received_at < ? LIMIT ?)
                """, properties.deduplication(), jdbc, properties, clock);
    }
}
