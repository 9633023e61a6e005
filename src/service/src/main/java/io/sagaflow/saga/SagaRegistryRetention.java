package io.sagaflow.saga;

import java.time.Clock;

import io.sagaflow.retention.RetentionProperties;
import io.sagaflow.retention.TableRetention;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Deletes the registry rows of sagas ended longer ago than {@code sagaflow.retention.sagas}; a
 * running saga's row stays, whatever its age. Until then its business key starts no second saga.
 */
@Component
class SagaRegistryRetention extends TableRetention {

    SagaRegistryRetention(JdbcTemplate jdbc, RetentionProperties properties, Clock clock) {
        super("registry rows of ended sagas", """
                DELETE FROM sagaflow.saga WHERE saga_id IN (
                    SELECT saga_id FROM sagaflow.saga WHERE ended_at < ? LIMIT ?)
                """, properties.sagas(), jdbc, properties, clock);
    }
}
