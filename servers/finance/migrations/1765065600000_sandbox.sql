-- The sandbox S/4HANA: suppliers, purchase orders, invoices, contracts and requisitions (seeded once by the server).
CREATE SCHEMA finance_sandbox;
CREATE TABLE finance_sandbox.meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE finance_sandbox.suppliers (
  id text PRIMARY KEY, name text NOT NULL, country text, city text, category text,
  purchasing_blocked boolean NOT NULL, payment_blocked boolean NOT NULL);
CREATE INDEX suppliers_name ON finance_sandbox.suppliers (name COLLATE "C", id);
CREATE TABLE finance_sandbox.supplier_companies (
  supplier_id text REFERENCES finance_sandbox.suppliers(id), company_code text NOT NULL, payment_terms text NOT NULL,
  PRIMARY KEY (supplier_id, company_code));
CREATE TABLE finance_sandbox.purchase_orders (
  id text PRIMARY KEY, supplier_id text NOT NULL REFERENCES finance_sandbox.suppliers(id), company_code text NOT NULL,
  purchasing_group text NOT NULL, order_date date NOT NULL, currency text NOT NULL, approval_code text NOT NULL,
  payment_terms text);
CREATE INDEX purchase_orders_date ON finance_sandbox.purchase_orders (order_date, id);
CREATE INDEX purchase_orders_supplier ON finance_sandbox.purchase_orders (supplier_id);
CREATE TABLE finance_sandbox.purchase_order_items (
  po_id text REFERENCES finance_sandbox.purchase_orders(id), item text NOT NULL, material text, description text NOT NULL,
  quantity numeric NOT NULL, unit text NOT NULL, net_price numeric NOT NULL, price_unit numeric NOT NULL,
  plant text NOT NULL, delivery_date date, received_quantity numeric NOT NULL, invoiced_quantity numeric NOT NULL,
  delivery_completed boolean NOT NULL, finally_invoiced boolean NOT NULL, PRIMARY KEY (po_id, item));
CREATE TABLE finance_sandbox.invoices (
  id text NOT NULL, fiscal_year text NOT NULL, supplier_id text NOT NULL REFERENCES finance_sandbox.suppliers(id),
  company_code text NOT NULL, po_id text, document_date date NOT NULL, due_date date, paid_date date,
  currency text NOT NULL, gross_amount numeric NOT NULL, payment_terms text, payment_block text,
  PRIMARY KEY (id, fiscal_year));
CREATE INDEX invoices_supplier ON finance_sandbox.invoices (supplier_id, document_date);
CREATE INDEX invoices_po ON finance_sandbox.invoices (po_id);
CREATE TABLE finance_sandbox.contracts (
  id text PRIMARY KEY, supplier_id text NOT NULL REFERENCES finance_sandbox.suppliers(id), company_code text NOT NULL,
  description text NOT NULL, valid_from date NOT NULL, valid_to date NOT NULL, target_value numeric NOT NULL,
  currency text NOT NULL);
CREATE INDEX contracts_end ON finance_sandbox.contracts (valid_to, id);
CREATE SEQUENCE finance_sandbox.requisition_seq START 10000001;
CREATE TABLE finance_sandbox.requisitions (number text PRIMARY KEY, description text, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE finance_sandbox.requisition_items (
  number text REFERENCES finance_sandbox.requisitions(number), item text NOT NULL, material text, description text NOT NULL,
  quantity numeric NOT NULL, unit text NOT NULL, plant text NOT NULL, delivery_date date NOT NULL,
  valuation_price numeric NOT NULL, currency text NOT NULL, supplier_id text, purchasing_group text NOT NULL,
  PRIMARY KEY (number, item));
