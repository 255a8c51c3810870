-- Up Migration

-- One row per tools/call, resources/read and prompts/get (and per approval step), hash-chained
-- per writer process: hash = sha256(prev_hash || canonical JSON of the row), see
-- packages/runtime/src/audit/chain.ts. `pnpm run audit verify` walks every chain.
CREATE TABLE audit_log (
  seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id              uuid NOT NULL UNIQUE,
  chain_id        text NOT NULL,
  chain_seq       bigint NOT NULL CHECK (chain_seq > 0),
  at              timestamptz NOT NULL,
  server          text NOT NULL,
  event           text NOT NULL,
  kind            text NOT NULL,
  name            text NOT NULL,
  subject         text NOT NULL,
  principal_kind  text NOT NULL,
  client_id       text,
  client_name     text,
  client_version  text,
  protocol_era    text,
  protocol_version text,
  correlation_id  text,
  trace_id        text,
  arguments       jsonb,
  outcome         text NOT NULL,
  error_code      text,
  duration_ms     double precision,
  result_bytes    integer,
  result_sha256   text,
  touched         text[] NOT NULL DEFAULT '{}',
  approval_id     uuid,
  detail          jsonb,
  prev_hash       text NOT NULL,
  hash            text NOT NULL,
  UNIQUE (chain_id, chain_seq)
);

CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_name_at_idx ON audit_log (name, at);
CREATE INDEX audit_log_subject_at_idx ON audit_log (subject, at);
CREATE INDEX audit_log_touched_idx ON audit_log USING gin (touched);
CREATE INDEX audit_log_approval_idx ON audit_log (approval_id) WHERE approval_id IS NOT NULL;

-- Append-only, first line: nobody but the owner has any privilege on the table. The runtime's
-- role gets INSERT and SELECT only (never UPDATE, DELETE or TRUNCATE):
--   GRANT SELECT, INSERT ON audit_log TO <runtime_role>;
-- `migrate()` issues that grant itself when given `runtimeRole` (see src/audit/migrate.ts).
REVOKE ALL ON audit_log FROM PUBLIC;

-- Append-only, defence in depth: even the owner cannot change or remove rows without first
-- disabling this trigger (which itself leaves the hash chain broken for `verify` to find).
CREATE FUNCTION audit_log_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_log_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate
  BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

DO $$
DECLARE
  runtime_role text := nullif(current_setting('mcp.runtime_role', true), '');
BEGIN
  IF runtime_role IS NOT NULL THEN
    EXECUTE format('GRANT SELECT, INSERT ON audit_log TO %I', runtime_role);
  END IF;
END;
$$;

-- Down Migration

DROP TABLE audit_log;
DROP FUNCTION audit_log_append_only();
