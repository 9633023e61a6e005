-- Enough of the original message to replay it exactly.
ALTER TABLE sagaflow.parked_message ADD COLUMN correlation_id VARCHAR(255);
ALTER TABLE sagaflow.parked_message ADD COLUMN reply_to VARCHAR(255);
