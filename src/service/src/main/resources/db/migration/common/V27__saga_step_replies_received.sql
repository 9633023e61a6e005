-- Replies a step's command received, the one that answered it and any that came after (a late or
-- repeated reply, handled as stale). The orchestrator keeps no inbox row for replies: the step row,
-- locked by its command id, deduplicates them, and this count is what shows that a reply was read.
ALTER TABLE sagaflow.saga_step ADD COLUMN replies_received INTEGER DEFAULT 0 NOT NULL;
