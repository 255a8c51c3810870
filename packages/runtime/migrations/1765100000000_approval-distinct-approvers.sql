-- Up Migration

-- An `approver` request may need several distinct approvers (a tool's preview sets
-- `approvalsRequired`, e.g. a purchase requisition above a value threshold): `approvals_required`
-- says how many, `approved_by` who approved so far, in order. It becomes `approved` with the last one.
ALTER TABLE approval_requests
  ADD COLUMN approvals_required smallint NOT NULL DEFAULT 1 CHECK (approvals_required BETWEEN 1 AND 5),
  ADD COLUMN approved_by text[] NOT NULL DEFAULT '{}';

-- Down Migration

ALTER TABLE approval_requests DROP COLUMN approvals_required, DROP COLUMN approved_by;
