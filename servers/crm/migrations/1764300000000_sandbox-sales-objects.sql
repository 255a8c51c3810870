-- The sandbox org's sales objects (a Salesforce-shaped demo org in PostgreSQL), in its own schema beside
-- (never inside) the runtime's tables. IF NOT EXISTS: sandboxes created before the one migration runner
-- already have these objects (recorded then in crm_sandbox.migrations).
CREATE SCHEMA IF NOT EXISTS crm_sandbox;
CREATE TABLE IF NOT EXISTS crm_sandbox.users (id text PRIMARY KEY, name text NOT NULL);
CREATE TABLE IF NOT EXISTS crm_sandbox.accounts (
  id text PRIMARY KEY, name text NOT NULL, industry text, type text,
  owner_id text REFERENCES crm_sandbox.users(id), billing_city text, billing_country text,
  annual_revenue numeric, employees integer, website text, phone text, description text);
CREATE INDEX IF NOT EXISTS accounts_name ON crm_sandbox.accounts (name COLLATE "C", id);
CREATE TABLE IF NOT EXISTS crm_sandbox.contacts (
  id text PRIMARY KEY, account_id text REFERENCES crm_sandbox.accounts(id), first_name text, last_name text NOT NULL,
  title text, email text, phone text, last_activity_date date);
CREATE INDEX IF NOT EXISTS contacts_account ON crm_sandbox.contacts (account_id);
CREATE TABLE IF NOT EXISTS crm_sandbox.opportunities (
  id text PRIMARY KEY, account_id text REFERENCES crm_sandbox.accounts(id), name text NOT NULL, stage text NOT NULL,
  amount numeric, close_date date NOT NULL, probability integer, owner_id text REFERENCES crm_sandbox.users(id),
  next_step text, type text, lead_source text, forecast_category text, description text,
  is_closed boolean NOT NULL, is_won boolean NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS opportunities_open ON crm_sandbox.opportunities (close_date, id) WHERE NOT is_closed;
CREATE INDEX IF NOT EXISTS opportunities_account ON crm_sandbox.opportunities (account_id);
CREATE TABLE IF NOT EXISTS crm_sandbox.cases (
  id text PRIMARY KEY, case_number text NOT NULL UNIQUE, account_id text REFERENCES crm_sandbox.accounts(id),
  contact_id text REFERENCES crm_sandbox.contacts(id), subject text, status text NOT NULL, priority text, origin text,
  is_closed boolean NOT NULL, created_at timestamptz NOT NULL);
CREATE INDEX IF NOT EXISTS cases_account ON crm_sandbox.cases (account_id, created_at DESC, id DESC);
CREATE TABLE IF NOT EXISTS crm_sandbox.tasks (
  id text PRIMARY KEY, account_id text REFERENCES crm_sandbox.accounts(id), what_id text, who_id text,
  subject text, type text, status text, activity_date date, owner_id text REFERENCES crm_sandbox.users(id),
  description text, created_at timestamptz NOT NULL DEFAULT now());
CREATE INDEX IF NOT EXISTS tasks_account ON crm_sandbox.tasks (account_id, activity_date DESC, id DESC);
CREATE TABLE IF NOT EXISTS crm_sandbox.contracts (
  id text PRIMARY KEY, contract_number text NOT NULL UNIQUE, account_id text REFERENCES crm_sandbox.accounts(id),
  status text NOT NULL, start_date date, end_date date, term_months integer,
  owner_id text REFERENCES crm_sandbox.users(id));
CREATE INDEX IF NOT EXISTS contracts_end ON crm_sandbox.contracts (end_date, id);
CREATE SEQUENCE IF NOT EXISTS crm_sandbox.record_seq START 1000000;
CREATE TABLE IF NOT EXISTS crm_sandbox.meta (key text PRIMARY KEY, value text NOT NULL);
