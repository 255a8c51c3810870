/**
 * The four paged lists, defined once for both backends and the tools: the cursor scope, the filters
 * a cursor is bound to, and the keyset sort value. Backends decode and mint cursors from these; the
 * tools mint "continue after this item" cursors from them when the result-size guard trims a page.
 */
import { encodeCursor } from '@mcp-platform/server-kit';
import type { Contract, Invoice, PurchaseOrder, Supplier } from '../model.ts';
import type {
  ContractSearch,
  InvoiceSearch,
  PurchaseOrderSearch,
  SupplierSearch,
} from './finance-backend.ts';

type Query<Q> = Omit<Q, 'limit' | 'cursor'>;

export interface ListSpec<Q, T extends { id: string }> {
  scope: string;
  filters: (query: Query<Q>) => Record<string, unknown>;
  sortValue: (item: T) => string;
}

export const SUPPLIERS: ListSpec<SupplierSearch, Supplier> = {
  scope: 'suppliers',
  filters: (q) => ({ n: q.name, c: q.country, k: q.category, b: q.blocked }),
  sortValue: () => '',
};

export const PURCHASE_ORDERS: ListSpec<PurchaseOrderSearch, PurchaseOrder> = {
  scope: 'purchase-orders',
  filters: (q) => ({
    s: q.supplierId,
    cc: q.companyCode,
    f: q.from,
    t: q.to,
    m: q.minValue,
    a: q.approvalStatus,
    d: q.deliveryStatus,
    o: q.openOnly,
  }),
  sortValue: () => '',
};

export const INVOICES: ListSpec<InvoiceSearch, Invoice> = {
  scope: 'invoices',
  filters: (q) => ({ s: q.supplierId, st: q.status, f: q.from, t: q.to }),
  sortValue: (i) => i.fiscalYear,
};

export const CONTRACTS: ListSpec<ContractSearch, Contract> = {
  scope: 'contracts',
  filters: (q) => ({
    s: q.supplierId,
    ef: q.endFrom,
    et: q.endTo,
    on: q.activeOn,
    min: q.minValue,
    max: q.maxValue,
  }),
  sortValue: (c) => c.validTo,
};

/** The cursor that continues after `item` in `list` for `query` (what the backend would have minted). */
export function cursorAfter<Q, T extends { id: string }>(
  list: ListSpec<Q, T>,
  query: Query<Q>,
  item: T,
): string {
  return encodeCursor(list.scope, list.filters(query), { v: list.sortValue(item), id: item.id });
}
