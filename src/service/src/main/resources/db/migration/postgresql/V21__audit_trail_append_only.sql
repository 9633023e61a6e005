-- The audit trail is append-only: the database refuses to change or delete a record, whoever asks.
CREATE FUNCTION sagaflow.audit_record_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'sagaflow.audit_record is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_record_append_only
    BEFORE UPDATE OR DELETE ON sagaflow.audit_record
    FOR EACH ROW EXECUTE FUNCTION sagaflow.audit_record_is_append_only();
