-- PostgreSQL refuses updates and deletes of sagaflow.audit_record with a trigger; H2 (embedded,
-- development) has no SQL triggers, so only Sagaflow's code keeps it append-only here.
SELECT 1;
