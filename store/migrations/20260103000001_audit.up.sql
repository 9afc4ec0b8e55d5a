-- The audit log: one row per mutation call, successful or not, never changed (architecture.md: "every mutation
-- records its actor in an append-only audit log").
CREATE TABLE audit_log (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                  timestamptz NOT NULL DEFAULT now(),
    actor_role          text NOT NULL DEFAULT '',   -- empty for an anonymous caller
    actor_subject       text NOT NULL DEFAULT '',
    actor_enterprise_id bigint,
    operation           text NOT NULL,
    target_ids          text[] NOT NULL DEFAULT '{}',
    input               jsonb NOT NULL DEFAULT '{}',
    result              text NOT NULL CHECK (result IN ('OK', 'REFUSED', 'ERROR')),
    error_codes         text[] NOT NULL DEFAULT '{}',
    request_id          text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_operation_idx ON audit_log (operation, at DESC, id DESC);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_journal_change();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_journal_change();
