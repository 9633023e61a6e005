-- The relay claims in (next_attempt_at, seq) order, served by outbox_pending_due (V2); see the
-- PostgreSQL migration.
DROP INDEX IF EXISTS sagaflow.outbox_pending_in_order;
