-- The sandbox instance: ServiceNow tables with ServiceNow field names; every value is text in the
-- Table API's value format (choice values, "YYYY-MM-DD HH:MM:SS" UTC datetimes, references as sys_ids).
CREATE SCHEMA IF NOT EXISTS itsm_sandbox;
CREATE TABLE itsm_sandbox.sys_user_group (
  sys_id text PRIMARY KEY,
  name text NOT NULL DEFAULT '',
  manager text NOT NULL DEFAULT '',
  email text NOT NULL DEFAULT ''
);
CREATE TABLE itsm_sandbox.sys_user (
  sys_id text PRIMARY KEY,
  user_name text NOT NULL DEFAULT '',
  name text NOT NULL DEFAULT '',
  email text NOT NULL DEFAULT ''
);
CREATE TABLE itsm_sandbox.cmdb_ci (
  sys_id text PRIMARY KEY,
  name text NOT NULL DEFAULT '',
  sys_class_name text NOT NULL DEFAULT '',
  environment text NOT NULL DEFAULT '',
  operational_status text NOT NULL DEFAULT '',
  support_group text NOT NULL DEFAULT '',
  managed_by_group text NOT NULL DEFAULT '',
  short_description text NOT NULL DEFAULT ''
);
CREATE TABLE itsm_sandbox.cmdb_rel_ci (
  sys_id text PRIMARY KEY,
  parent text NOT NULL DEFAULT '',
  child text NOT NULL DEFAULT '',
  type text NOT NULL DEFAULT ''
);
CREATE TABLE itsm_sandbox.problem (
  sys_id text PRIMARY KEY,
  number text NOT NULL DEFAULT '',
  short_description text NOT NULL DEFAULT '',
  state text NOT NULL DEFAULT '',
  cmdb_ci text NOT NULL DEFAULT '',
  opened_at text NOT NULL DEFAULT ''
);
CREATE TABLE itsm_sandbox.change_request (
  sys_id text PRIMARY KEY,
  number text NOT NULL DEFAULT '',
  short_description text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  type text NOT NULL DEFAULT '',
  state text NOT NULL DEFAULT '',
  risk text NOT NULL DEFAULT '',
  impact text NOT NULL DEFAULT '',
  cmdb_ci text NOT NULL DEFAULT '',
  business_service text NOT NULL DEFAULT '',
  assignment_group text NOT NULL DEFAULT '',
  requested_by text NOT NULL DEFAULT '',
  start_date text NOT NULL DEFAULT '',
  end_date text NOT NULL DEFAULT '',
  justification text NOT NULL DEFAULT '',
  implementation_plan text NOT NULL DEFAULT '',
  backout_plan text NOT NULL DEFAULT '',
  test_plan text NOT NULL DEFAULT '',
  approval text NOT NULL DEFAULT '',
  sys_created_on text NOT NULL DEFAULT '',
  sys_updated_on text NOT NULL DEFAULT ''
);
CREATE TABLE itsm_sandbox.incident (
  sys_id text PRIMARY KEY,
  number text NOT NULL DEFAULT '',
  short_description text NOT NULL DEFAULT '',
  description text NOT NULL DEFAULT '',
  state text NOT NULL DEFAULT '',
  active text NOT NULL DEFAULT '',
  impact text NOT NULL DEFAULT '',
  urgency text NOT NULL DEFAULT '',
  priority text NOT NULL DEFAULT '',
  category text NOT NULL DEFAULT '',
  assignment_group text NOT NULL DEFAULT '',
  assigned_to text NOT NULL DEFAULT '',
  cmdb_ci text NOT NULL DEFAULT '',
  business_service text NOT NULL DEFAULT '',
  opened_at text NOT NULL DEFAULT '',
  opened_by text NOT NULL DEFAULT '',
  sys_updated_on text NOT NULL DEFAULT '',
  resolved_at text NOT NULL DEFAULT '',
  close_code text NOT NULL DEFAULT '',
  close_notes text NOT NULL DEFAULT '',
  problem_id text NOT NULL DEFAULT '',
  caused_by text NOT NULL DEFAULT ''
);
CREATE TABLE itsm_sandbox.sys_journal_field (
  sys_id text PRIMARY KEY,
  name text NOT NULL DEFAULT '',
  element_id text NOT NULL DEFAULT '',
  element text NOT NULL DEFAULT '',
  value text NOT NULL DEFAULT '',
  sys_created_on text NOT NULL DEFAULT '',
  sys_created_by text NOT NULL DEFAULT ''
);
CREATE TABLE itsm_sandbox.contract_sla (
  sys_id text PRIMARY KEY,
  name text NOT NULL DEFAULT '',
  duration_hours text NOT NULL DEFAULT ''
);
CREATE TABLE itsm_sandbox.task_sla (
  sys_id text PRIMARY KEY,
  task text NOT NULL DEFAULT '',
  sla text NOT NULL DEFAULT '',
  stage text NOT NULL DEFAULT '',
  has_breached text NOT NULL DEFAULT '',
  planned_end_time text NOT NULL DEFAULT '',
  percentage text NOT NULL DEFAULT ''
);
CREATE TABLE itsm_sandbox.sys_choice (
  sys_id text PRIMARY KEY,
  name text NOT NULL DEFAULT '',
  element text NOT NULL DEFAULT '',
  value text NOT NULL DEFAULT '',
  label text NOT NULL DEFAULT '',
  inactive text NOT NULL DEFAULT '',
  language text NOT NULL DEFAULT '',
  sequence text NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX incident_number ON itsm_sandbox.incident (number);
CREATE INDEX incident_ci ON itsm_sandbox.incident (cmdb_ci);
CREATE INDEX incident_service ON itsm_sandbox.incident (business_service);
CREATE UNIQUE INDEX change_number ON itsm_sandbox.change_request (number);
CREATE INDEX change_window ON itsm_sandbox.change_request (start_date, sys_id);
CREATE INDEX ci_name ON itsm_sandbox.cmdb_ci (name);
CREATE INDEX rel_parent ON itsm_sandbox.cmdb_rel_ci (parent);
CREATE INDEX rel_child ON itsm_sandbox.cmdb_rel_ci (child);
CREATE INDEX journal_element ON itsm_sandbox.sys_journal_field (element_id, sys_created_on);
CREATE INDEX task_sla_task ON itsm_sandbox.task_sla (task);
-- Numbers of records created after seeding (the fake instance in the tests counts from the same place).
CREATE SEQUENCE itsm_sandbox.incident_number_seq START 20001;
CREATE SEQUENCE itsm_sandbox.change_number_seq START 31001;
CREATE TABLE itsm_sandbox.meta (key text PRIMARY KEY, value text NOT NULL);
