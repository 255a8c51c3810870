-- Up Migration

-- Two-phase approvals for write tools (src/approvals). A request is single-use, bound to the
-- tool, the canonical hash of its arguments and the requesting principal + client, and expires.
CREATE TABLE approval_requests (
  id                  uuid PRIMARY KEY,
  server              text NOT NULL,
  tool                text NOT NULL,
  policy              text NOT NULL CHECK (policy IN ('confirm', 'approver')),
  args_hash           text NOT NULL,
  arguments           jsonb NOT NULL,
  preview             jsonb NOT NULL,
  requester_subject   text NOT NULL,
  requester_client_id text NOT NULL,
  status              text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'approved', 'rejected', 'executed', 'expired')),
  created_at          timestamptz NOT NULL,
  expires_at          timestamptz NOT NULL,
  decided_by          text,
  decided_at          timestamptz,
  reason              text,
  executed_at         timestamptz,
  correlation_id      text
);

CREATE INDEX approval_requests_pending_idx ON approval_requests (server, created_at) WHERE status = 'pending';

-- The runtime moves requests through their states but never deletes them:
--   GRANT SELECT, INSERT, UPDATE ON approval_requests TO <runtime_role>;
REVOKE ALL ON approval_requests FROM PUBLIC;

DO $$
DECLARE
  runtime_role text := nullif(current_setting('mcp.runtime_role', true), '');
BEGIN
  IF runtime_role IS NOT NULL THEN
    EXECUTE format('GRANT SELECT, INSERT, UPDATE ON approval_requests TO %I', runtime_role);
  END IF;
END;
$$;

-- Down Migration

DROP TABLE approval_requests;
