package io.sagaflow.ops;

import java.time.Clock;

import io.sagaflow.retention.RetentionProperties;
import io.sagaflow.retention.TableRetention;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Bulk repairs ended longer ago than {@code sagaflow.retention.sagas} (the sagas they repaired are
 * gone by then too): first their items, then, once it has none left, the repair's row. A running
 * repair stays, whatever its age. Their audit records stay with the audit trail.
 */
final class BulkRepairRetention {

    private BulkRepairRetention() {
    }

    @Component
    static class Items extends TableRetention {

        Items(JdbcTemplate jdbc, RetentionProperties properties, Clock clock) {
            super("items of ended bulk repairs", """
                    DELETE FROM sagaflow.bulk_repair_item WHERE repair_id IN (
                        SELECT id FROM sagaflow.bulk_repair WHERE finished_at < ? AND status <> 'RUNNING' LIMIT ?)
                    """, properties.sagas(), jdbc, properties, clock);
        }
    }

    @Component
    static class Repairs extends TableRetention {

        Repairs(JdbcTemplate jdbc, RetentionProperties properties, Clock clock) {
            super("ended bulk repairs", """
                    DELETE FROM sagaflow.bulk_repair WHERE id IN (
                        SELECT r.id FROM sagaflow.bulk_repair r WHERE r.finished_at < ? AND r.status <> 'RUNNING'
                          AND NOT EXISTS (SELECT 1 FROM sagaflow.bulk_repair_item i WHERE i.repair_id = r.id)
                        LIMIT ?)
                    """, properties.sagas(), jdbc, properties, clock);
        }
    }
}
