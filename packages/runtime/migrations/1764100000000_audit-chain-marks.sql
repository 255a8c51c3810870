-- Up Migration

-- Where each hash chain had got to, recorded outside the chain: one row per stored batch, in the
-- same transaction as the batch (packages/runtime/src/audit/pg-store.ts). A hash chain cannot show
-- rows deleted from its end; these marks can: `audit verify` reports a chain that ends before its
-- last mark (a truncated tail) or whose row at a mark has another hash (a rewritten chain).
CREATE TABLE audit_chain_marks (
  chain_id   text NOT NULL,
  chain_seq  bigint NOT NULL CHECK (chain_seq > 0),
  hash       text NOT NULL,
  at         timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (chain_id, chain_seq)
);

-- Append-only, like audit_log: the runtime role may only INSERT and SELECT.
REVOKE ALL ON audit_chain_marks FROM PUBLIC;

CREATE TRIGGER audit_chain_marks_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_chain_marks
  FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_chain_marks_no_truncate
  BEFORE TRUNCATE ON audit_chain_marks
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

DO $$
DECLARE
  runtime_role text := nullif(current_setting('mcp.runtime_role', true), '');
BEGIN
  IF runtime_role IS NOT NULL THEN
    EXECUTE format('GRANT SELECT, INSERT ON audit_chain_marks TO %I', runtime_role);
  END IF;
END;
$$;

-- Down Migration

DROP TABLE audit_chain_marks;
