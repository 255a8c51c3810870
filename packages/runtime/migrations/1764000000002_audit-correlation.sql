-- Up Migration

-- Correlation of agent workflows across servers (see docs/audit-review.md). Every value but the
-- token's `sid`/`jti` is client-supplied and recorded as claimed; none is used for authorization.
-- Nullable columns without defaults: adding them does not rewrite the table. Rows written before
-- keep the version-1 hash form (src/audit/chain.ts), so `audit verify` still passes on them.
ALTER TABLE audit_log
  ADD COLUMN parent_span_id text,
  ADD COLUMN trace_state    text,
  ADD COLUMN trace_source   text,
  ADD COLUMN idp_session    text,
  ADD COLUMN token_id       text,
  ADD COLUMN mcp_session    text;

-- The workflow view (`audit query --trace / --session / --record`): each answers from one of these
-- indexes and the rows' time order. Partial: most deployments have many rows without a trace.
CREATE INDEX audit_log_trace_at_idx ON audit_log (trace_id, at) WHERE trace_id IS NOT NULL;
CREATE INDEX audit_log_idp_session_at_idx ON audit_log (idp_session, at) WHERE idp_session IS NOT NULL;
CREATE INDEX audit_log_mcp_session_at_idx ON audit_log (mcp_session, at) WHERE mcp_session IS NOT NULL;

-- One trail for the platform: several servers may write to one shared audit database, each as its own
-- role, registered here with the one server it may write as. A registered role can insert only rows of
-- its server on chains named `<server>/...`, and read only its own server's rows (its chain head and
-- replay de-duplication need that much); it can never change or delete anything. Roles not registered
-- (the owner, a read-only investigator role, a per-server database's role from before) are not limited
-- by these policies; their table privileges still apply.
CREATE TABLE audit_writers (
  role_name name PRIMARY KEY,
  server    text NOT NULL CHECK (server ~ '^[A-Za-z0-9._-]{1,64}$')
);
REVOKE ALL ON audit_writers FROM PUBLIC;

-- Runs as the owner so a policy can look a role up without granting it the table; takes the role as
-- an argument because inside a SECURITY DEFINER function current_user is the owner.
CREATE FUNCTION audit_writer_server(role_name name) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT AS $$
  SELECT w.server FROM audit_writers w WHERE w.role_name = $1
$$;

ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY;

-- `(SELECT ...)` makes each lookup an InitPlan: evaluated once per statement, not once per row.
CREATE POLICY audit_log_read ON audit_log FOR SELECT USING (
  (SELECT audit_writer_server(current_user)) IS NULL
  OR server = (SELECT audit_writer_server(current_user))
);

CREATE POLICY audit_log_append ON audit_log FOR INSERT WITH CHECK (
  (SELECT audit_writer_server(current_user)) IS NULL
  OR (server = (SELECT audit_writer_server(current_user)) AND starts_with(chain_id, server || '/'))
);

-- Approval requests of a registered role: its own server's only (when they share a database).
ALTER TABLE approval_requests ENABLE ROW LEVEL SECURITY;

CREATE POLICY approval_requests_own ON approval_requests FOR ALL
  USING (
    (SELECT audit_writer_server(current_user)) IS NULL
    OR server = (SELECT audit_writer_server(current_user))
  )
  WITH CHECK (
    (SELECT audit_writer_server(current_user)) IS NULL
    OR server = (SELECT audit_writer_server(current_user))
  );

-- Called by `migrate()` (as the owner) for a server's runtime role: registers it for that one server
-- and grants it exactly SELECT, INSERT on audit_log. A role is bound to one server for good.
CREATE FUNCTION audit_register_writer(writer name, server_name text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  existing text;
BEGIN
  SELECT w.server INTO existing FROM audit_writers w WHERE w.role_name = writer;
  IF existing IS NOT NULL AND existing <> server_name THEN
    RAISE EXCEPTION 'role % already writes the audit trail of server %, not %', writer, existing, server_name
      USING ERRCODE = 'invalid_parameter_value',
            HINT = 'give every server its own database role';
  END IF;
  IF existing IS NULL THEN
    INSERT INTO audit_writers (role_name, server) VALUES (writer, server_name);
  END IF;
  EXECUTE format('GRANT SELECT, INSERT ON audit_log TO %I', writer);
END;
$$;
REVOKE ALL ON FUNCTION audit_register_writer(name, text) FROM PUBLIC;

-- Down Migration

DROP FUNCTION audit_register_writer(name, text);
DROP POLICY approval_requests_own ON approval_requests;
ALTER TABLE approval_requests DISABLE ROW LEVEL SECURITY;
DROP POLICY audit_log_append ON audit_log;
DROP POLICY audit_log_read ON audit_log;
ALTER TABLE audit_log DISABLE ROW LEVEL SECURITY;
DROP FUNCTION audit_writer_server(name);
DROP TABLE audit_writers;
DROP INDEX audit_log_mcp_session_at_idx;
DROP INDEX audit_log_idp_session_at_idx;
DROP INDEX audit_log_trace_at_idx;
ALTER TABLE audit_log
  DROP COLUMN parent_span_id,
  DROP COLUMN trace_state,
  DROP COLUMN trace_source,
  DROP COLUMN idp_session,
  DROP COLUMN token_id,
  DROP COLUMN mcp_session;
