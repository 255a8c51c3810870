import type { UpstreamCall } from '@mcp-platform/server-kit';
import type {
  ApprovalStatus,
  Category,
  CompanyTerms,
  Contract,
  DeliveryStatus,
  Invoice,
  PaymentStatus,
  PurchaseOrder,
  PurchaseOrderDetail,
  Supplier,
} from '../model.ts';
import type { Money } from '../money.ts';

/**
 * What the finance server can do, as business operations. Each backend (SAP S/4HANA over OData, the
 * PostgreSQL sandbox) implements exactly this; tools never see `$filter` or SQL. Inputs arrive
 * validated by the tools' schemas; backends still treat every string as hostile.
 */
export interface FinanceBackend {
  readonly kind: 'sap' | 'sandbox';
  searchSuppliers(query: SupplierSearch, call: UpstreamCall): Promise<Page<Supplier>>;
  getSupplier(supplierId: string, call: UpstreamCall): Promise<Supplier | undefined>;
  /** Payment terms per company code (raw keys; the tools map them to days). */
  supplierTerms(supplierId: string, call: UpstreamCall): Promise<Array<{ companyCode: string; key: string }>>;
  /** Purchase orders of a window for aggregation, at most `bound` (then `complete: false`). */
  purchaseOrderValues(query: SpendQuery, call: UpstreamCall): Promise<Bounded<SpendRow>>;
  listPurchaseOrders(query: PurchaseOrderSearch, call: UpstreamCall): Promise<Page<PurchaseOrder>>;
  getPurchaseOrder(purchaseOrderId: string, call: UpstreamCall): Promise<PurchaseOrderDetail | undefined>;
  listInvoices(query: InvoiceSearch, call: UpstreamCall): Promise<Page<Invoice>>;
  /** Every invoice of a supplier in a window (for summaries), at most `bound`. */
  invoiceFacts(query: InvoiceFactsQuery, call: UpstreamCall): Promise<Bounded<Invoice>>;
  listContracts(query: ContractSearch, call: UpstreamCall): Promise<Page<Contract>>;
  createRequisition(input: NewRequisition, call: UpstreamCall): Promise<CreatedRequisition>;
  /** Dependency check for `/readyz`. */
  ready(): Promise<{ ok: boolean; detail?: string }>;
  close(): Promise<void>;
}

export interface Page<T> {
  items: T[];
  /** Present when more records match; pass it back unchanged to get the next page. */
  nextCursor: string | undefined;
}

export interface Bounded<T> {
  rows: T[];
  /** False when the bound stopped the read before every matching record was seen. */
  complete: boolean;
}

interface Paged {
  limit: number;
  cursor?: string | undefined;
}

export interface SupplierSearch extends Paged {
  name?: string | undefined;
  country?: string | undefined;
  category?: Category | undefined;
  /** true: only blocked for purchasing; false: only not blocked. */
  blocked?: boolean | undefined;
}

export interface SpendQuery {
  from: string;
  to: string;
  supplierId?: string | undefined;
  companyCode?: string | undefined;
  bound: number;
}

/** One purchase order's net value (sum of its items) for spend aggregation. */
export interface SpendRow {
  purchaseOrder: string;
  supplierId: string;
  orderDate: string;
  value: Money;
}

export interface PurchaseOrderSearch extends Paged {
  supplierId?: string | undefined;
  companyCode?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  /** Only orders whose net value is at least this (in `currency`). */
  minValue?: Money | undefined;
  approvalStatus?: ApprovalStatus | undefined;
  deliveryStatus?: DeliveryStatus | undefined;
  /** Only orders not yet fully delivered or not yet fully invoiced. */
  openOnly: boolean;
}

export interface InvoiceSearch extends Paged {
  supplierId: string;
  status?: PaymentStatus | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

export interface InvoiceFactsQuery {
  supplierId: string;
  from: string;
  to: string;
  bound: number;
}

export interface ContractSearch extends Paged {
  supplierId?: string | undefined;
  /** Contracts whose validity ends in [endFrom, endTo]. */
  endFrom?: string | undefined;
  endTo?: string | undefined;
  /** Contracts valid on this date. */
  activeOn?: string | undefined;
  minValue?: Money | undefined;
  maxValue?: Money | undefined;
}

export interface NewRequisitionItem {
  material?: string | undefined;
  description: string;
  quantity: string;
  unit: string;
  plant: string;
  deliveryDate: string;
  valuationPrice: Money;
  supplierId?: string | undefined;
  purchasingGroup: string;
}

export interface NewRequisition {
  description?: string | undefined;
  items: NewRequisitionItem[];
}

export interface CreatedRequisition {
  number: string;
  items: Array<NewRequisitionItem & { item: string }>;
}

export type { CompanyTerms };

/** Every business operation, for the kit's instrumented wrapper (a missing one is a type error). */
export const OPERATIONS = {
  searchSuppliers: true,
  getSupplier: true,
  supplierTerms: true,
  purchaseOrderValues: true,
  listPurchaseOrders: true,
  getPurchaseOrder: true,
  listInvoices: true,
  invoiceFacts: true,
  listContracts: true,
  createRequisition: true,
} as const;
