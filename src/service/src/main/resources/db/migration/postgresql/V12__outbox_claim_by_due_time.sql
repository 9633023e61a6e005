-- The relay now claims in (next_attempt_at, seq) order, the order of outbox_pending_due (V2).
-- outbox_pending_in_order (V11, seq order) made every claim walk past all pending rows that were
-- not due yet: 10,000 delayed rows cost each claim 16-19 ms (docs/performance.md). Unused now,
-- and one index less for every insert and update of a row.
DROP INDEX IF EXISTS sagaflow.outbox_pending_in_order;
