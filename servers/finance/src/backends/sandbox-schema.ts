import type pg from 'pg';
import { generateSeed, type SeedData } from './sandbox-seed.ts';

/** Everything the sandbox S/4HANA owns lives in this schema, beside the runtime's tables. */
export const SCHEMA = 'finance_sandbox';
const S = SCHEMA;

const DDL = `
  CREATE SCHEMA IF NOT EXISTS ${S};
  CREATE TABLE ${S}.meta (key text PRIMARY KEY, value text NOT NULL);
  CREATE TABLE ${S}.suppliers (
    id text PRIMARY KEY, name text NOT NULL, country text, city text, category text,
    purchasing_blocked boolean NOT NULL, payment_blocked boolean NOT NULL);
  CREATE INDEX suppliers_name ON ${S}.suppliers (name COLLATE "C", id);
  CREATE TABLE ${S}.supplier_companies (
    supplier_id text REFERENCES ${S}.suppliers(id), company_code text NOT NULL, payment_terms text NOT NULL,
    PRIMARY KEY (supplier_id, company_code));
  CREATE TABLE ${S}.purchase_orders (
    id text PRIMARY KEY, supplier_id text NOT NULL REFERENCES ${S}.suppliers(id), company_code text NOT NULL,
    purchasing_group text NOT NULL, order_date date NOT NULL, currency text NOT NULL, approval_code text NOT NULL,
    payment_terms text);
  CREATE INDEX purchase_orders_date ON ${S}.purchase_orders (order_date, id);
  CREATE INDEX purchase_orders_supplier ON ${S}.purchase_orders (supplier_id);
  CREATE TABLE ${S}.purchase_order_items (
    po_id text REFERENCES ${S}.purchase_orders(id), item text NOT NULL, material text, description text NOT NULL,
    quantity numeric NOT NULL, unit text NOT NULL, net_price numeric NOT NULL, price_unit numeric NOT NULL,
    plant text NOT NULL, delivery_date date, received_quantity numeric NOT NULL, invoiced_quantity numeric NOT NULL,
    delivery_completed boolean NOT NULL, finally_invoiced boolean NOT NULL, PRIMARY KEY (po_id, item));
  CREATE TABLE ${S}.invoices (
    id text NOT NULL, fiscal_year text NOT NULL, supplier_id text NOT NULL REFERENCES ${S}.suppliers(id),
    company_code text NOT NULL, po_id text, document_date date NOT NULL, due_date date, paid_date date,
    currency text NOT NULL, gross_amount numeric NOT NULL, payment_terms text, payment_block text,
    PRIMARY KEY (id, fiscal_year));
  CREATE INDEX invoices_supplier ON ${S}.invoices (supplier_id, document_date);
  CREATE INDEX invoices_po ON ${S}.invoices (po_id);
  CREATE TABLE ${S}.contracts (
    id text PRIMARY KEY, supplier_id text NOT NULL REFERENCES ${S}.suppliers(id), company_code text NOT NULL,
    description text NOT NULL, valid_from date NOT NULL, valid_to date NOT NULL, target_value numeric NOT NULL,
    currency text NOT NULL);
  CREATE INDEX contracts_end ON ${S}.contracts (valid_to, id);
  CREATE SEQUENCE ${S}.requisition_seq START 10000001;
  CREATE TABLE ${S}.requisitions (number text PRIMARY KEY, description text, created_at timestamptz NOT NULL DEFAULT now());
  CREATE TABLE ${S}.requisition_items (
    number text REFERENCES ${S}.requisitions(number), item text NOT NULL, material text, description text NOT NULL,
    quantity numeric NOT NULL, unit text NOT NULL, plant text NOT NULL, delivery_date date NOT NULL,
    valuation_price numeric NOT NULL, currency text NOT NULL, supplier_id text, purchasing_group text NOT NULL,
    PRIMARY KEY (number, item));
`;

type Rows = ReadonlyArray<Record<string, unknown>>;

/** Multi-row INSERTs of `rows` in batches (parameters only; no value is ever spliced into SQL). */
async function insert(client: pg.PoolClient, table: string, rows: Rows): Promise<void> {
  if (rows.length === 0) return;
  const columns = Object.keys(rows[0]!);
  const batch = Math.floor(30_000 / columns.length);
  for (let i = 0; i < rows.length; i += batch) {
    const chunk = rows.slice(i, i + batch);
    const values: unknown[] = [];
    const tuples = chunk.map((row) => `(${columns.map((c) => `$${values.push(row[c])}`).join(', ')})`);
    await client.query(
      `INSERT INTO ${S}.${table} (${columns.join(', ')}) VALUES ${tuples.join(', ')}`,
      values,
    );
  }
}

/**
 * Creates and seeds the sandbox once (a transaction guarded by an advisory lock, so replicas starting
 * together seed it once). Returns whether this call seeded it.
 */
export async function migrateSandbox(
  pool: pg.Pool,
  options: { anchorDate: string; seed: number; data?: SeedData },
): Promise<{ seeded: boolean }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtext('finance_sandbox'))");
    const { rows } = await client.query("SELECT to_regclass('finance_sandbox.meta') AS t");
    if (rows[0].t !== null) {
      await client.query('COMMIT');
      return { seeded: false };
    }
    await client.query(DDL);
    const data = options.data ?? generateSeed(options.anchorDate, options.seed);
    await insert(client, 'suppliers', data.suppliers as unknown as Rows);
    await insert(client, 'supplier_companies', data.supplierCompanies as unknown as Rows);
    await insert(client, 'purchase_orders', data.purchaseOrders as unknown as Rows);
    await insert(client, 'purchase_order_items', data.purchaseOrderItems as unknown as Rows);
    await insert(client, 'invoices', data.invoices as unknown as Rows);
    await insert(client, 'contracts', data.contracts as unknown as Rows);
    await client.query(`INSERT INTO ${S}.meta (key, value) VALUES ('anchor', $1), ('seed', $2)`, [
      data.anchor,
      String(options.seed),
    ]);
    await client.query('COMMIT');
    return { seeded: true };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
