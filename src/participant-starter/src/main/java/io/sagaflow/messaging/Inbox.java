package io.sagaflow.messaging;

import java.sql.Timestamp;
import java.time.Clock;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Idempotent consumption: a consumer records each message id in the transaction that applies the
 * message's effects. A second delivery finds the row and is skipped.
 */
@Component
public class Inbox {

    private final JdbcTemplate jdbc;
    private final Clock clock;

    Inbox(JdbcTemplate jdbc, Clock clock) {
        this.jdbc = jdbc;
        this.clock = clock;
    }

    /**
     * Records the message as consumed.
     *
     * @return {@code false} if this consumer has consumed the message before. Two deliveries racing
     *     in parallel make the second insert fail on the primary key; its transaction rolls back and
     *     the redelivery then sees the row.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public boolean recordFirstDelivery(String consumer, String messageId) {
        int inserted = jdbc.update("""
                INSERT INTO sagaflow.inbox_message (consumer, message_id, received_at)
                SELECT ?, ?, ? WHERE NOT EXISTS (
                    SELECT 1 FROM sagaflow.inbox_message WHERE consumer = ? AND message_id = ?)
                """, consumer, messageId, Timestamp.from(clock.instant()), consumer, messageId);
        return inserted == 1;
    }
}
