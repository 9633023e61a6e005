-- Retention deletes inbox and barrier rows by age (sagaflow.retention.deduplication).
CREATE INDEX inbox_message_received ON sagaflow.inbox_message (received_at);
CREATE INDEX participant_barrier_created ON sagaflow.participant_barrier (created_at);
