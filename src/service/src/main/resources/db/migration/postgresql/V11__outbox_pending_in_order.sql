-- The relay claims the oldest due rows first (ORDER BY seq). With only outbox_pending_due
-- (next_attempt_at, seq), PostgreSQL had to read and sort every due row of a backlog on each claim
-- (27 ms per claim with 20,000 pending rows); walking this index in seq order stops after the batch.
CREATE INDEX outbox_pending_in_order ON sagaflow.outbox_message (seq) WHERE status = 'PENDING';
