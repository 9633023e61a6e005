-- Partial indexes keep the relay sweep and retention fast however many SENT rows accumulate.
CREATE INDEX outbox_pending_due ON sagaflow.outbox_message (next_attempt_at, seq) WHERE status = 'PENDING';
CREATE INDEX outbox_pending_by_key ON sagaflow.outbox_message (ordering_key, seq) WHERE status = 'PENDING';
CREATE INDEX outbox_sent_age ON sagaflow.outbox_message (sent_at) WHERE status = 'SENT';
CREATE INDEX outbox_failed ON sagaflow.outbox_message (seq) WHERE status = 'FAILED';
