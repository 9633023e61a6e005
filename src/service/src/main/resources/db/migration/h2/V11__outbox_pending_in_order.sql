-- The relay claims the oldest due rows first (ORDER BY seq): an index in that order (see the
-- PostgreSQL migration; H2 has no partial indexes).
CREATE INDEX outbox_pending_in_order ON sagaflow.outbox_message (status, seq);
