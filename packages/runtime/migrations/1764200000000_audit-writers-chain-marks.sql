-- Up Migration

-- A registered audit writer (a server's role on a shared audit database, migration
-- 1764000000002) also writes its chains' high-water marks (audit_chain_marks, migration
-- 1764100000000): it gets SELECT, INSERT there, limited to its own chains (`<server>/...`).
CREATE OR REPLACE FUNCTION audit_register_writer(writer name, server_name text) RETURNS void
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
  EXECUTE format('GRANT SELECT, INSERT ON audit_chain_marks TO %I', writer);
END;
$$;

ALTER TABLE audit_chain_marks ENABLE ROW LEVEL SECURITY;

-- SELECT and INSERT only in effect: there is no grant of UPDATE or DELETE, and triggers refuse them.
CREATE POLICY audit_chain_marks_own ON audit_chain_marks FOR ALL
  USING (
    (SELECT audit_writer_server(current_user)) IS NULL
    OR starts_with(chain_id, (SELECT audit_writer_server(current_user)) || '/')
  )
  WITH CHECK (
    (SELECT audit_writer_server(current_user)) IS NULL
    OR starts_with(chain_id, (SELECT audit_writer_server(current_user)) || '/')
  );

DO $$
DECLARE
  w record;
BEGIN
  FOR w IN SELECT role_name FROM audit_writers LOOP
    EXECUTE format('GRANT SELECT, INSERT ON audit_chain_marks TO %I', w.role_name);
  END LOOP;
END;
$$;

-- Down Migration

DROP POLICY audit_chain_marks_own ON audit_chain_marks;
ALTER TABLE audit_chain_marks DISABLE ROW LEVEL SECURITY;
