-- H2 has no partial indexes; these serve the same queries on the embedded database.
CREATE INDEX outbox_pending_due ON sagaflow.outbox_message (status, next_attempt_at, seq);
CREATE INDEX outbox_pending_by_key ON sagaflow.outbox_message (ordering_key, status, seq);
CREATE INDEX outbox_sent_age ON sagaflow.outbox_message (status, sent_at);
