import { queryWithCallSignal } from '@mcp-platform/runtime';
import {
  createPgPool,
  decodeKeyset,
  escapeLike,
  keysetPage,
  SqlParams,
  type UpstreamCall,
} from '@mcp-platform/server-kit';
import pg from 'pg';
import {
  APPROVAL_STATUS,
  approvalStatusOf,
  type Category,
  type Contract,
  type Invoice,
  type PaymentStatus,
  type PurchaseOrder,
  type PurchaseOrderDetail,
  SAP,
  type Supplier,
} from '../model.ts';
import { lineValue, money } from '../money.ts';
import type {
  Bounded,
  ContractSearch,
  CreatedRequisition,
  FinanceBackend,
  InvoiceFactsQuery,
  InvoiceSearch,
  NewRequisition,
  Page,
  PurchaseOrderSearch,
  SpendQuery,
  SpendRow,
  SupplierSearch,
} from './finance-backend.ts';
import { CONTRACTS, INVOICES, PURCHASE_ORDERS, SUPPLIERS } from './lists.ts';
import { deliveryStatus, invoiceOfOrder, invoiceProgress, toInvoice, toSupplier } from './records.ts';
import { SCHEMA } from './sandbox-schema.ts';

const S = SCHEMA;
type Row = Record<string, unknown>;

// date → 'YYYY-MM-DD' text, numeric → exact decimal text (never a JS number).
const TYPES = {
  getTypeParser: (oid: number, format?: string) => {
    if (oid === 1082 || oid === 1700) return (v: string) => v;
    return pg.types.getTypeParser(oid, format as never);
  },
};

const where = (parts: string[]) => (parts.length ? `WHERE ${parts.join(' AND ')}` : '');

const supplierOf = (r: Row): Supplier =>
  toSupplier({
    id: String(r.id),
    name: String(r.name),
    country: (r.country as string | null) ?? null,
    city: (r.city as string | null) ?? null,
    category: (r.category as Category | null) ?? null,
    purchasingBlocked: r.purchasing_blocked === true,
    paymentBlocked: r.payment_blocked === true,
  });

const invoiceOf = (r: Row): Invoice =>
  toInvoice({
    id: String(r.id),
    fiscalYear: String(r.fiscal_year),
    supplierId: String(r.supplier_id),
    companyCode: String(r.company_code),
    purchaseOrder: (r.po_id as string | null) ?? null,
    documentDate: String(r.document_date),
    dueDate: (r.due_date as string | null) ?? null,
    paidDate: (r.paid_date as string | null) ?? null,
    gross: money(String(r.gross_amount), String(r.currency)),
    paymentTerms: (r.payment_terms as string | null) ?? null,
    paymentBlock: (r.payment_block as string | null) ?? null,
  });

function toContract(r: Row): Contract {
  return {
    id: String(r.id),
    supplierId: String(r.supplier_id),
    supplierName: (r.supplier_name as string | null) ?? null,
    companyCode: String(r.company_code),
    description: String(r.description),
    validFrom: String(r.valid_from),
    validTo: String(r.valid_to),
    targetValue: money(String(r.target_value), String(r.currency)),
  };
}

/** Per purchase order: net value, delivery and invoice progress, next open delivery date. */
const PO_FACTS = `
  SELECT po.*, s.name AS supplier_name,
    sum(round(i.net_price * i.quantity / i.price_unit, 2)) AS net_value,
    bool_and(i.delivery_completed) AS all_delivered, bool_or(i.received_quantity > 0) AS any_received,
    bool_and(i.finally_invoiced) AS all_invoiced, bool_or(i.invoiced_quantity > 0) AS any_invoiced,
    min(i.delivery_date) FILTER (WHERE NOT i.delivery_completed) AS next_delivery
  FROM ${S}.purchase_orders po
  JOIN ${S}.purchase_order_items i ON i.po_id = po.id
  LEFT JOIN ${S}.suppliers s ON s.id = po.supplier_id
  GROUP BY po.id, s.name`;

function toPurchaseOrder(r: Row): PurchaseOrder {
  return {
    id: String(r.id),
    supplierId: String(r.supplier_id),
    supplierName: (r.supplier_name as string | null) ?? null,
    companyCode: String(r.company_code),
    purchasingGroup: String(r.purchasing_group),
    orderDate: String(r.order_date),
    netValue: money(String(r.net_value), String(r.currency)),
    approvalStatus: approvalStatusOf(String(r.approval_code)),
    deliveryStatus: deliveryStatus(r.all_delivered === true, r.any_received === true),
    invoiceStatus: invoiceProgress(r.all_invoiced === true, r.any_invoiced === true),
    nextDeliveryDate: (r.next_delivery as string | null) ?? null,
  };
}

/** The sandbox S/4HANA: the same business operations over the demo data in PostgreSQL. */
export class SandboxBackend implements FinanceBackend {
  readonly kind = 'sandbox' as const;
  readonly pool: pg.Pool;

  constructor(databaseUrl: string, poolSize = 5) {
    // A database restart surfaces on the next query; it never crashes the process.
    this.pool = createPgPool({ connectionString: databaseUrl, max: poolSize, types: TYPES });
  }

  private async rows(text: string, p: SqlParams, call: UpstreamCall): Promise<Row[]> {
    return (await queryWithCallSignal(this.pool, text, p.values, call.signal)).rows as Row[];
  }

  async searchSuppliers(q: SupplierSearch, call: UpstreamCall): Promise<Page<Supplier>> {
    const filters = SUPPLIERS.filters(q);
    const after = decodeKeyset(SUPPLIERS.scope, filters, q.cursor, { id: SAP.supplier });
    const p = new SqlParams();
    const w: string[] = [];
    if (q.name !== undefined)
      w.push(`lower(name) LIKE '%' || ${p.add(escapeLike(q.name.toLowerCase()))} || '%'`);
    if (q.country !== undefined) w.push(`country = ${p.add(q.country)}`);
    if (q.category !== undefined) w.push(`category = ${p.add(q.category)}`);
    if (q.blocked !== undefined) w.push(`purchasing_blocked = ${p.add(q.blocked)}`);
    if (after) w.push(`id > ${p.add(after.id)}`);
    const rows = await this.rows(
      `SELECT * FROM ${S}.suppliers ${where(w)} ORDER BY id LIMIT ${p.add(q.limit + 1)}`,
      p,
      call,
    );
    return keysetPage(SUPPLIERS.scope, filters, rows.map(supplierOf), q.limit, SUPPLIERS.sortValue);
  }

  async getSupplier(supplierId: string, call: UpstreamCall): Promise<Supplier | undefined> {
    const p = new SqlParams();
    const rows = await this.rows(`SELECT * FROM ${S}.suppliers WHERE id = ${p.add(supplierId)}`, p, call);
    return rows[0] && supplierOf(rows[0]);
  }

  async supplierTerms(
    supplierId: string,
    call: UpstreamCall,
  ): Promise<Array<{ companyCode: string; key: string }>> {
    const p = new SqlParams();
    const rows = await this.rows(
      `SELECT company_code, payment_terms FROM ${S}.supplier_companies WHERE supplier_id = ${p.add(supplierId)} ORDER BY company_code`,
      p,
      call,
    );
    return rows.map((r) => ({ companyCode: String(r.company_code), key: String(r.payment_terms) }));
  }

  async purchaseOrderValues(q: SpendQuery, call: UpstreamCall): Promise<Bounded<SpendRow>> {
    const p = new SqlParams();
    const w = [
      `po.order_date BETWEEN ${p.add(q.from)} AND ${p.add(q.to)}`,
      `po.approval_code <> '${APPROVAL_STATUS.rejected}'`,
    ];
    if (q.supplierId !== undefined) w.push(`po.supplier_id = ${p.add(q.supplierId)}`);
    if (q.companyCode !== undefined) w.push(`po.company_code = ${p.add(q.companyCode)}`);
    const rows = await this.rows(
      `SELECT po.id, po.supplier_id, po.order_date, po.currency, sum(round(i.net_price * i.quantity / i.price_unit, 2)) AS value
         FROM ${S}.purchase_orders po JOIN ${S}.purchase_order_items i ON i.po_id = po.id
         ${where(w)} GROUP BY po.id ORDER BY po.id LIMIT ${p.add(q.bound + 1)}`,
      p,
      call,
    );
    return {
      complete: rows.length <= q.bound,
      rows: rows.slice(0, q.bound).map((r) => ({
        purchaseOrder: String(r.id),
        supplierId: String(r.supplier_id),
        orderDate: String(r.order_date),
        value: money(String(r.value), String(r.currency)),
      })),
    };
  }

  async listPurchaseOrders(q: PurchaseOrderSearch, call: UpstreamCall): Promise<Page<PurchaseOrder>> {
    const filters = PURCHASE_ORDERS.filters(q);
    const after = decodeKeyset(PURCHASE_ORDERS.scope, filters, q.cursor, { id: SAP.purchaseOrder });
    const p = new SqlParams();
    const w: string[] = [];
    if (q.supplierId !== undefined) w.push(`supplier_id = ${p.add(q.supplierId)}`);
    if (q.companyCode !== undefined) w.push(`company_code = ${p.add(q.companyCode)}`);
    if (q.from !== undefined) w.push(`order_date >= ${p.add(q.from)}`);
    if (q.to !== undefined) w.push(`order_date <= ${p.add(q.to)}`);
    if (q.minValue !== undefined)
      w.push(
        `currency = ${p.add(q.minValue.currency)} AND net_value >= ${p.add(q.minValue.amount)}::numeric`,
      );
    if (q.approvalStatus !== undefined) w.push(`approval_code = ${p.add(APPROVAL_STATUS[q.approvalStatus])}`);
    if (q.deliveryStatus === 'delivered') w.push('all_delivered');
    if (q.deliveryStatus === 'partially_delivered') w.push('NOT all_delivered AND any_received');
    if (q.deliveryStatus === 'not_delivered') w.push('NOT any_received');
    if (q.openOnly)
      w.push(`approval_code <> '${APPROVAL_STATUS.rejected}' AND NOT (all_delivered AND all_invoiced)`);
    if (after) w.push(`id < ${p.add(after.id)}`);
    const rows = await this.rows(
      `SELECT * FROM (${PO_FACTS}) f ${where(w)} ORDER BY id DESC LIMIT ${p.add(q.limit + 1)}`,
      p,
      call,
    );
    return keysetPage(
      PURCHASE_ORDERS.scope,
      filters,
      rows.map(toPurchaseOrder),
      q.limit,
      PURCHASE_ORDERS.sortValue,
    );
  }

  async getPurchaseOrder(
    purchaseOrderId: string,
    call: UpstreamCall,
  ): Promise<PurchaseOrderDetail | undefined> {
    const p = new SqlParams();
    const id = p.add(purchaseOrderId);
    const [head] = await this.rows(`SELECT * FROM (${PO_FACTS}) f WHERE id = ${id}`, p, call);
    if (!head) return undefined;
    const items = await this.rows(
      `SELECT * FROM ${S}.purchase_order_items WHERE po_id = ${id} ORDER BY item`,
      p,
      call,
    );
    const invoices = await this.rows(`SELECT * FROM ${S}.invoices WHERE po_id = ${id} ORDER BY id`, p, call);
    const currency = String(head.currency);
    return {
      ...toPurchaseOrder(head),
      paymentTerms: (head.payment_terms as string | null) ?? null,
      items: items.map((i) => ({
        item: String(i.item),
        material: (i.material as string | null) ?? null,
        description: String(i.description),
        quantity: String(i.quantity),
        unit: String(i.unit),
        netPrice: money(String(i.net_price), currency),
        priceUnit: String(i.price_unit),
        netValue: lineValue(String(i.net_price), String(i.quantity), String(i.price_unit), currency),
        plant: String(i.plant),
        deliveryDate: (i.delivery_date as string | null) ?? null,
        receivedQuantity: String(i.received_quantity),
        invoicedQuantity: String(i.invoiced_quantity),
        deliveryCompleted: i.delivery_completed === true,
        finallyInvoiced: i.finally_invoiced === true,
      })),
      invoices: invoices.map((r) => invoiceOfOrder(invoiceOf(r))),
    };
  }

  private invoiceWhere(
    p: SqlParams,
    q: {
      supplierId: string;
      status?: PaymentStatus | undefined;
      from?: string | undefined;
      to?: string | undefined;
    },
  ): string[] {
    const w = [`supplier_id = ${p.add(q.supplierId)}`];
    if (q.from !== undefined) w.push(`document_date >= ${p.add(q.from)}`);
    if (q.to !== undefined) w.push(`document_date <= ${p.add(q.to)}`);
    if (q.status === 'paid') w.push('paid_date IS NOT NULL');
    if (q.status === 'open') w.push('paid_date IS NULL AND payment_block IS NULL');
    if (q.status === 'blocked') w.push('paid_date IS NULL AND payment_block IS NOT NULL');
    return w;
  }

  async listInvoices(q: InvoiceSearch, call: UpstreamCall): Promise<Page<Invoice>> {
    const filters = INVOICES.filters(q);
    const after = decodeKeyset(INVOICES.scope, filters, q.cursor, { id: SAP.supplierInvoice });
    const p = new SqlParams();
    const w = this.invoiceWhere(p, q);
    if (after) w.push(`(fiscal_year, id) < (${p.add(String(after.v))}, ${p.add(after.id)})`);
    const rows = await this.rows(
      `SELECT * FROM ${S}.invoices ${where(w)} ORDER BY fiscal_year DESC, id DESC LIMIT ${p.add(q.limit + 1)}`,
      p,
      call,
    );
    return keysetPage(INVOICES.scope, filters, rows.map(invoiceOf), q.limit, INVOICES.sortValue);
  }

  async invoiceFacts(q: InvoiceFactsQuery, call: UpstreamCall): Promise<Bounded<Invoice>> {
    const p = new SqlParams();
    const w = this.invoiceWhere(p, q);
    const rows = await this.rows(
      `SELECT * FROM ${S}.invoices ${where(w)} ORDER BY fiscal_year, id LIMIT ${p.add(q.bound + 1)}`,
      p,
      call,
    );
    return { complete: rows.length <= q.bound, rows: rows.slice(0, q.bound).map(invoiceOf) };
  }

  async listContracts(q: ContractSearch, call: UpstreamCall): Promise<Page<Contract>> {
    const filters = CONTRACTS.filters(q);
    const after = decodeKeyset(CONTRACTS.scope, filters, q.cursor, { id: SAP.contract });
    const p = new SqlParams();
    const w: string[] = [];
    if (q.supplierId !== undefined) w.push(`c.supplier_id = ${p.add(q.supplierId)}`);
    if (q.endFrom !== undefined) w.push(`c.valid_to >= ${p.add(q.endFrom)}`);
    if (q.endTo !== undefined) w.push(`c.valid_to <= ${p.add(q.endTo)}`);
    if (q.activeOn !== undefined) {
      const on = p.add(q.activeOn);
      w.push(`c.valid_from <= ${on} AND c.valid_to >= ${on}`);
    }
    if (q.minValue !== undefined)
      w.push(
        `c.currency = ${p.add(q.minValue.currency)} AND c.target_value >= ${p.add(q.minValue.amount)}::numeric`,
      );
    if (q.maxValue !== undefined)
      w.push(
        `c.currency = ${p.add(q.maxValue.currency)} AND c.target_value <= ${p.add(q.maxValue.amount)}::numeric`,
      );
    if (after) w.push(`(c.valid_to, c.id) > (${p.add(String(after.v))}::date, ${p.add(after.id)})`);
    const rows = await this.rows(
      `SELECT c.*, s.name AS supplier_name FROM ${S}.contracts c LEFT JOIN ${S}.suppliers s ON s.id = c.supplier_id
        ${where(w)} ORDER BY c.valid_to, c.id LIMIT ${p.add(q.limit + 1)}`,
      p,
      call,
    );
    return keysetPage(CONTRACTS.scope, filters, rows.map(toContract), q.limit, CONTRACTS.sortValue);
  }

  async createRequisition(input: NewRequisition, _call: UpstreamCall): Promise<CreatedRequisition> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const { rows } = await client.query(`SELECT nextval('${S}.requisition_seq')::text AS n`);
      const number = String(rows[0].n);
      await client.query(`INSERT INTO ${S}.requisitions (number, description) VALUES ($1, $2)`, [
        number,
        input.description ?? null,
      ]);
      const items = input.items.map((item, i) => ({ ...item, item: String((i + 1) * 10).padStart(5, '0') }));
      for (const it of items) {
        await client.query(
          `INSERT INTO ${S}.requisition_items (number, item, material, description, quantity, unit, plant, delivery_date,
             valuation_price, currency, supplier_id, purchasing_group) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`,
          [
            number,
            it.item,
            it.material ?? null,
            it.description,
            it.quantity,
            it.unit,
            it.plant,
            it.deliveryDate,
            it.valuationPrice.amount,
            it.valuationPrice.currency,
            it.supplierId ?? null,
            it.purchasingGroup,
          ],
        );
      }
      await client.query('COMMIT');
      return { number, items };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async ready(): Promise<{ ok: boolean; detail?: string }> {
    try {
      await this.pool.query(`SELECT 1 FROM ${S}.meta LIMIT 1`);
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
