import { ToolError } from '@mcp-platform/protocol';
import { backendMetrics, type RuntimeMetrics } from '@mcp-platform/runtime';
import {
  basicAuth,
  createUpstreamClient,
  decodeKeyset,
  keysetPage,
  oauthTokenSource,
  type UpstreamCall,
  type UpstreamClient,
} from '@mcp-platform/server-kit';
import type { FastifyBaseLogger } from 'fastify';
import type { SapAuth } from '../config.ts';
import {
  APPROVAL_STATUS,
  approvalStatusOf,
  type Category,
  type Contract,
  type Invoice,
  type PurchaseOrder,
  type PurchaseOrderDetail,
  type PurchaseOrderItem,
  SAP,
  type Supplier,
} from '../model.ts';
import { compareAmounts, decimal, lineValue, type Money, MoneyTotals, money } from '../money.ts';
import {
  and,
  anyOf,
  bool,
  cmp,
  contains,
  date,
  dec,
  eq,
  type FilterTerm,
  key,
  or,
  render,
  str,
} from '../odata/filter.ts';
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
import { describeSapError, type ODataList, sapDate, toSapDate } from './sap-odata.ts';

/** The released API services this adapter reads (and, for requisitions, writes). */
export const SERVICES = {
  businessPartner: 'sap/opu/odata/sap/API_BUSINESS_PARTNER',
  purchaseOrder: 'sap/opu/odata/sap/API_PURCHASEORDER_PROCESS_SRV',
  supplierInvoice: 'sap/opu/odata/sap/API_SUPPLIERINVOICE_PROCESS_SRV',
  purchaseContract: 'sap/opu/odata/sap/API_PURCHASECONTRACT_PROCESS_SRV',
  purchaseRequisition: 'sap/opu/odata/sap/API_PURCHASEREQ_PROCESS_SRV',
  /** Clearing (payment) of supplier invoices: the operational journal entry items. */
  journalEntryItems: 'sap/opu/odata/sap/API_OPLACCTGDOCITEMCUBE_SRV',
} as const;

/** `$select` lists, fixed in code. */
const SELECT = {
  supplier: 'Supplier,SupplierName,Industry,PurchasingIsBlocked,PaymentIsBlockedForSupplier',
  address: 'BusinessPartner,Country,CityName',
  supplierCompany: 'Supplier,CompanyCode,PaymentTerms',
  poValues:
    'PurchaseOrder,Supplier,PurchaseOrderDate,DocumentCurrency,to_PurchaseOrderItem/NetPriceAmount,to_PurchaseOrderItem/OrderQuantity,to_PurchaseOrderItem/NetPriceQuantity',
  poHeader:
    'PurchaseOrder,Supplier,CompanyCode,PurchasingGroup,PurchaseOrderDate,DocumentCurrency,PurchasingProcessingStatus,PaymentTerms',
  poItem:
    'PurchaseOrder,PurchaseOrderItem,Material,PurchaseOrderItemText,OrderQuantity,PurchaseOrderQuantityUnit,NetPriceAmount,NetPriceQuantity,Plant,IsCompletelyDelivered,IsFinallyInvoiced',
  scheduleLine: 'ScheduleLineDeliveryDate,RoughGoodsReceiptQty',
  invoiceRef: 'SupplierInvoice,FiscalYear,PurchaseOrder,PurchaseOrderItem,QuantityInPurchaseOrderUnit',
  invoice:
    'SupplierInvoice,FiscalYear,CompanyCode,DocumentDate,InvoicingParty,DocumentCurrency,InvoiceGrossAmount,PaymentTerms,DueCalculationBaseDate,NetPaymentDays,PaymentBlockingReason',
  clearing: 'CompanyCode,FiscalYear,OriginalReferenceDocument,ClearingDate',
  contract:
    'PurchaseContract,Supplier,CompanyCode,CorrespncInternalReference,ValidityStartDate,ValidityEndDate,PurchaseContractTargetAmount,DocumentCurrency',
} as const;

type Row = Record<string, unknown>;
const s = (v: unknown) => (v === null || v === undefined ? '' : String(v));
/** A term only when the value is given. */
const when = <T>(value: T | undefined, term: (v: T) => FilterTerm | undefined) =>
  value === undefined ? undefined : term(value);
const supplierKey = (id: string) => key(id, SAP.supplier, 'a supplier number');
const poKey = (id: string) => key(id, SAP.purchaseOrder, 'a purchase order number');
/** A purchase order with its items and their schedule lines, `$select` and `$expand` fixed here. */
const PO_DETAIL = {
  select: [
    SELECT.poHeader,
    ...SELECT.poItem.split(',').map((p) => `to_PurchaseOrderItem/${p}`),
    ...SELECT.scheduleLine.split(',').map((p) => `to_PurchaseOrderItem/to_ScheduleLine/${p}`),
  ].join(','),
  expand: 'to_PurchaseOrderItem,to_PurchaseOrderItem/to_ScheduleLine',
};

export interface SapBackendOptions {
  baseUrl: string;
  /** `sap-client` (on-premise). */
  client: string | undefined;
  auth: SapAuth;
  timeoutMs: number;
  log: FastifyBaseLogger;
  metrics?: RuntimeMetrics | undefined;
}

/**
 * S/4HANA over its released OData V2 APIs, on the kit's HTTP client (timeouts, retries, the call's
 * signal, token refresh). Filters come only from the `$filter` builder; `$select` is fixed above.
 * OData V2 has no aggregation, so sums, averages and status filters computed from items are done
 * here over records read within the caller's bound (the tools say when the bound was hit).
 */
export class SapBackend implements FinanceBackend {
  readonly kind = 'sap' as const;
  private readonly http: UpstreamClient;
  private readonly options: SapBackendOptions;
  private csrf: { token: string; cookie: string } | undefined;

  constructor(options: SapBackendOptions) {
    this.options = options;
    const auth =
      options.auth.kind === 'basic'
        ? basicAuth(options.auth.username, options.auth.password)
        : oauthTokenSource({
            system: 'SAP',
            tokenUrl: options.auth.tokenUrl,
            grant: {
              type: 'client_credentials',
              clientId: options.auth.clientId,
              clientSecret: options.auth.clientSecret,
              ...(options.auth.scope ? { scope: options.auth.scope } : {}),
            },
          });
    this.http = createUpstreamClient({
      system: 'SAP S/4HANA',
      baseUrl: `${options.baseUrl}/`,
      auth,
      timeoutMs: options.timeoutMs,
      observer: options.metrics ? backendMetrics(options.metrics, 'sap') : undefined,
      describeError: (e) => describeSapError(e),
    });
  }

  private query(
    params: Record<string, string | number | undefined>,
  ): Record<string, string | number | undefined> {
    return {
      ...params,
      $format: 'json',
      ...(this.options.client ? { 'sap-client': this.options.client } : {}),
    };
  }

  /** One page of an entity set. */
  private async page(
    operation: string,
    path: string,
    params: {
      filter?: FilterTerm | undefined;
      select: string;
      orderby?: string;
      top?: number;
      expand?: string;
    },
    call: UpstreamCall,
  ): Promise<{ rows: Row[]; next: string | undefined }> {
    const body = await this.http.json<ODataList<Row>>(
      {
        operation,
        path,
        query: this.query({
          $filter: render(params.filter),
          $select: params.select,
          $orderby: params.orderby,
          $top: params.top,
          $expand: params.expand,
        }),
      },
      call,
    );
    return { rows: body.d.results, next: body.d.__next };
  }

  /** Every record of a query, following `__next`, at most `bound` (then `complete: false`). */
  private async readAll(
    operation: string,
    path: string,
    params: { filter?: FilterTerm | undefined; select: string; orderby?: string; expand?: string },
    bound: number,
    call: UpstreamCall,
  ): Promise<Bounded<Row>> {
    const rows: Row[] = [];
    let { rows: batch, next } = await this.page(operation, path, { ...params, top: bound + 1 }, call);
    rows.push(...batch);
    while (next !== undefined && rows.length <= bound) {
      // Server-driven paging: the link keeps the query; the client refuses another origin.
      const body = await this.http.json<ODataList<Row>>({ operation, path: next }, call);
      batch = body.d.results;
      next = body.d.__next;
      rows.push(...batch);
    }
    return { rows: rows.slice(0, bound), complete: rows.length <= bound };
  }

  // ---- suppliers ---------------------------------------------------------------------------

  private async addresses(ids: readonly string[], call: UpstreamCall): Promise<Map<string, Row>> {
    const out = new Map<string, Row>();
    for (let i = 0; i < ids.length; i += 40) {
      const chunk = ids.slice(i, i + 40).map((id) => supplierKey(id));
      const { rows } = await this.readAll(
        'readAddresses',
        `${SERVICES.businessPartner}/A_BusinessPartnerAddress`,
        { filter: anyOf('BusinessPartner', chunk), select: SELECT.address },
        10 * chunk.length,
        call,
      );
      for (const r of rows) if (!out.has(s(r.BusinessPartner))) out.set(s(r.BusinessPartner), r);
    }
    return out;
  }

  private toSupplier(r: Row, address: Row | undefined): Supplier {
    return toSupplier({
      id: s(r.Supplier),
      name: s(r.SupplierName),
      country: s(address?.Country) || null,
      city: s(address?.CityName) || null,
      category: (s(r.Industry) || null) as Category | null,
      purchasingBlocked: r.PurchasingIsBlocked === true,
      paymentBlocked: r.PaymentIsBlockedForSupplier === true,
    });
  }

  async searchSuppliers(q: SupplierSearch, call: UpstreamCall): Promise<Page<Supplier>> {
    const filters = SUPPLIERS.filters(q);
    const after = decodeKeyset(SUPPLIERS.scope, filters, q.cursor, { id: SAP.supplier });
    const filter = and(
      q.name === undefined ? undefined : contains('SupplierName', q.name),
      q.category === undefined ? undefined : eq('Industry', str(q.category)),
      q.blocked === undefined ? undefined : eq('PurchasingIsBlocked', bool(q.blocked)),
      after ? cmp('Supplier', 'gt', supplierKey(after.id)) : undefined,
    );
    let countryIds: Set<string> | undefined;
    if (q.country !== undefined) {
      const { rows } = await this.readAll(
        'readAddresses',
        `${SERVICES.businessPartner}/A_BusinessPartnerAddress`,
        { filter: eq('Country', key(q.country, SAP.country, 'a country code')), select: 'BusinessPartner' },
        20_000,
        call,
      );
      countryIds = new Set(rows.map((r) => s(r.BusinessPartner)));
    }
    const found = await this.readAll(
      'searchSuppliers',
      `${SERVICES.businessPartner}/A_Supplier`,
      { filter, select: SELECT.supplier, orderby: 'Supplier asc' },
      countryIds ? 20_000 : q.limit + 1,
      call,
    );
    // SAP sorts supplier numbers as text: keep that order (it is also the keyset's).
    const rows = found.rows.filter((r) => !countryIds || countryIds.has(s(r.Supplier))).slice(0, q.limit + 1);
    const addresses = await this.addresses(
      rows.map((r) => s(r.Supplier)),
      call,
    );
    const items = rows.map((r) => this.toSupplier(r, addresses.get(s(r.Supplier))));
    return keysetPage(SUPPLIERS.scope, filters, items, q.limit, SUPPLIERS.sortValue);
  }

  async getSupplier(supplierId: string, call: UpstreamCall): Promise<Supplier | undefined> {
    const { rows } = await this.page(
      'getSupplier',
      `${SERVICES.businessPartner}/A_Supplier`,
      {
        filter: eq('Supplier', supplierKey(supplierId)),
        select: SELECT.supplier,
        top: 1,
      },
      call,
    );
    if (!rows[0]) return undefined;
    const addresses = await this.addresses([supplierId], call);
    return this.toSupplier(rows[0], addresses.get(supplierId));
  }

  async supplierTerms(
    supplierId: string,
    call: UpstreamCall,
  ): Promise<Array<{ companyCode: string; key: string }>> {
    const { rows } = await this.readAll(
      'supplierTerms',
      `${SERVICES.businessPartner}/A_SupplierCompany`,
      {
        filter: eq('Supplier', supplierKey(supplierId)),
        select: SELECT.supplierCompany,
        orderby: 'CompanyCode asc',
      },
      100,
      call,
    );
    return rows
      .filter((r) => s(r.PaymentTerms) !== '')
      .map((r) => ({ companyCode: s(r.CompanyCode), key: s(r.PaymentTerms) }));
  }

  // ---- purchase orders ---------------------------------------------------------------------

  private static itemValue(item: Row, currency: string): Money {
    return lineValue(
      s(item.NetPriceAmount),
      s(item.OrderQuantity),
      s(item.NetPriceQuantity) || '1',
      currency,
    );
  }

  private static results(value: unknown): Row[] {
    return ((value as { results?: Row[] } | undefined)?.results ?? []) as Row[];
  }

  async purchaseOrderValues(q: SpendQuery, call: UpstreamCall): Promise<Bounded<SpendRow>> {
    const filter = and(
      cmp('PurchaseOrderDate', 'ge', date(q.from)),
      cmp('PurchaseOrderDate', 'le', date(q.to)),
      cmp('PurchasingProcessingStatus', 'ne', str(APPROVAL_STATUS.rejected)),
      when(q.supplierId, (id) => eq('Supplier', supplierKey(id))),
      when(q.companyCode, (c) => eq('CompanyCode', key(c, SAP.companyCode, 'a company code'))),
    );
    const read = await this.readAll(
      'purchaseOrderValues',
      `${SERVICES.purchaseOrder}/A_PurchaseOrder`,
      { filter, select: SELECT.poValues, orderby: 'PurchaseOrder asc', expand: 'to_PurchaseOrderItem' },
      q.bound,
      call,
    );
    return {
      complete: read.complete,
      rows: read.rows.map((r) => {
        const currency = s(r.DocumentCurrency);
        const totals = new MoneyTotals();
        for (const item of SapBackend.results(r.to_PurchaseOrderItem))
          totals.add(SapBackend.itemValue(item, currency));
        return {
          purchaseOrder: s(r.PurchaseOrder),
          supplierId: s(r.Supplier),
          orderDate: sapDate(r.PurchaseOrderDate) ?? '',
          value: totals.in(currency),
        };
      }),
    };
  }

  /** Invoiced quantity per `PO/item` from the invoices' purchase order references. */
  private async invoicedQuantities(
    poIds: readonly string[],
    call: UpstreamCall,
  ): Promise<Map<string, Row[]>> {
    const out = new Map<string, Row[]>();
    for (let i = 0; i < poIds.length; i += 40) {
      const chunk = poIds.slice(i, i + 40).map((id) => poKey(id));
      const { rows } = await this.readAll(
        'readInvoiceReferences',
        `${SERVICES.supplierInvoice}/A_SuplrInvcItemPurOrdRef`,
        { filter: anyOf('PurchaseOrder', chunk), select: SELECT.invoiceRef },
        50 * chunk.length,
        call,
      );
      for (const r of rows) out.set(s(r.PurchaseOrder), [...(out.get(s(r.PurchaseOrder)) ?? []), r]);
    }
    return out;
  }

  private toPurchaseOrder(r: Row, refs: Row[], supplierName: string | null): PurchaseOrderDetail {
    const currency = s(r.DocumentCurrency);
    const items: PurchaseOrderItem[] = SapBackend.results(r.to_PurchaseOrderItem)
      .map((i) => {
        const lines = SapBackend.results(i.to_ScheduleLine);
        const received = lines.reduce(
          (sum, l) => sum.plus(decimal(s(l.RoughGoodsReceiptQty) || '0')),
          decimal('0'),
        );
        const invoiced = refs
          .filter((x) => s(x.PurchaseOrderItem) === s(i.PurchaseOrderItem))
          .reduce((sum, x) => sum.plus(decimal(s(x.QuantityInPurchaseOrderUnit) || '0')), decimal('0'));
        const dates = lines
          .map((l) => sapDate(l.ScheduleLineDeliveryDate))
          .filter((d): d is string => d !== null)
          .sort();
        return {
          item: s(i.PurchaseOrderItem),
          material: s(i.Material) || null,
          description: s(i.PurchaseOrderItemText),
          quantity: decimal(s(i.OrderQuantity)).toString(),
          unit: s(i.PurchaseOrderQuantityUnit),
          netPrice: money(s(i.NetPriceAmount), currency),
          priceUnit: decimal(s(i.NetPriceQuantity) || '1').toString(),
          netValue: SapBackend.itemValue(i, currency),
          plant: s(i.Plant),
          deliveryDate: dates[0] ?? null,
          receivedQuantity: received.toString(),
          invoicedQuantity: invoiced.toString(),
          deliveryCompleted: i.IsCompletelyDelivered === true,
          finallyInvoiced: i.IsFinallyInvoiced === true,
        };
      })
      .sort((a, b) => a.item.localeCompare(b.item));
    const totals = new MoneyTotals();
    for (const i of items) totals.add(i.netValue);
    const all = (f: (i: PurchaseOrderItem) => boolean) => items.length > 0 && items.every(f);
    const any = (f: (i: PurchaseOrderItem) => boolean) => items.some(f);
    const delivery = deliveryStatus(
      all((i) => i.deliveryCompleted),
      any((i) => decimal(i.receivedQuantity).gt(0)),
    );
    const invoicing = invoiceProgress(
      all((i) => i.finallyInvoiced),
      any((i) => decimal(i.invoicedQuantity).gt(0)),
    );
    const pending = items
      .filter((i) => !i.deliveryCompleted && i.deliveryDate !== null)
      .map((i) => i.deliveryDate!);
    return {
      id: s(r.PurchaseOrder),
      supplierId: s(r.Supplier),
      supplierName,
      companyCode: s(r.CompanyCode),
      purchasingGroup: s(r.PurchasingGroup),
      orderDate: sapDate(r.PurchaseOrderDate) ?? '',
      netValue: totals.in(currency),
      approvalStatus: approvalStatusOf(s(r.PurchasingProcessingStatus)),
      deliveryStatus: delivery,
      invoiceStatus: invoicing,
      nextDeliveryDate: pending.sort()[0] ?? null,
      paymentTerms: s(r.PaymentTerms) || null,
      items,
      invoices: [],
    };
  }

  private async supplierNames(ids: readonly string[], call: UpstreamCall): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += 40) {
      const chunk = unique.slice(i, i + 40).map((id) => supplierKey(id));
      const { rows } = await this.readAll(
        'readSupplierNames',
        `${SERVICES.businessPartner}/A_Supplier`,
        { filter: anyOf('Supplier', chunk), select: 'Supplier,SupplierName' },
        chunk.length,
        call,
      );
      for (const r of rows) out.set(s(r.Supplier), s(r.SupplierName));
    }
    return out;
  }

  async listPurchaseOrders(q: PurchaseOrderSearch, call: UpstreamCall): Promise<Page<PurchaseOrder>> {
    const filters = PURCHASE_ORDERS.filters(q);
    const after = decodeKeyset(PURCHASE_ORDERS.scope, filters, q.cursor, { id: SAP.purchaseOrder });
    const base = and(
      when(q.supplierId, (id) => eq('Supplier', supplierKey(id))),
      when(q.companyCode, (c) => eq('CompanyCode', key(c, SAP.companyCode, 'a company code'))),
      when(q.from, (d) => cmp('PurchaseOrderDate', 'ge', date(d))),
      when(q.to, (d) => cmp('PurchaseOrderDate', 'le', date(d))),
      q.approvalStatus === undefined
        ? q.openOnly
          ? cmp('PurchasingProcessingStatus', 'ne', str(APPROVAL_STATUS.rejected))
          : undefined
        : eq('PurchasingProcessingStatus', str(APPROVAL_STATUS[q.approvalStatus])),
    );
    // Status and value come from the items: read pages newest first and keep the matches.
    const matches: PurchaseOrderDetail[] = [];
    let last = after?.id;
    for (let scanned = 0; matches.length <= q.limit && scanned < 20_000; ) {
      const filter = and(base, last ? cmp('PurchaseOrder', 'lt', poKey(last)) : undefined);
      const { rows, complete } = await this.readAll(
        'listPurchaseOrders',
        `${SERVICES.purchaseOrder}/A_PurchaseOrder`,
        {
          filter,
          select: PO_DETAIL.select,
          orderby: 'PurchaseOrder desc',
          expand: PO_DETAIL.expand,
        },
        100,
        call,
      );
      if (rows.length === 0) break;
      scanned += rows.length;
      last = s(rows[rows.length - 1]!.PurchaseOrder);
      const refs = await this.invoicedQuantities(
        rows.map((r) => s(r.PurchaseOrder)),
        call,
      );
      for (const r of rows) {
        const po = this.toPurchaseOrder(r, refs.get(s(r.PurchaseOrder)) ?? [], null);
        if (q.openOnly && po.deliveryStatus === 'delivered' && po.invoiceStatus === 'invoiced') continue;
        if (q.deliveryStatus !== undefined && po.deliveryStatus !== q.deliveryStatus) continue;
        if (
          q.minValue !== undefined &&
          (po.netValue.currency !== q.minValue.currency ||
            compareAmounts(po.netValue.amount, q.minValue.amount) < 0)
        )
          continue;
        matches.push(po);
        if (matches.length > q.limit) break;
      }
      // `complete`: fewer than 100 rows were left, so this was the last batch.
      if (complete) break;
    }
    const names = await this.supplierNames(
      matches.map((m) => m.supplierId),
      call,
    );
    const items: PurchaseOrder[] = matches.map(({ paymentTerms: _t, items: _i, invoices: _v, ...po }) => ({
      ...po,
      supplierName: names.get(po.supplierId) ?? null,
    }));
    return keysetPage(PURCHASE_ORDERS.scope, filters, items, q.limit, PURCHASE_ORDERS.sortValue);
  }

  async getPurchaseOrder(
    purchaseOrderId: string,
    call: UpstreamCall,
  ): Promise<PurchaseOrderDetail | undefined> {
    const { rows } = await this.page(
      'getPurchaseOrder',
      `${SERVICES.purchaseOrder}/A_PurchaseOrder`,
      {
        filter: eq('PurchaseOrder', poKey(purchaseOrderId)),
        select: PO_DETAIL.select,
        top: 1,
        expand: PO_DETAIL.expand,
      },
      call,
    );
    if (!rows[0]) return undefined;
    const refs = (await this.invoicedQuantities([purchaseOrderId], call)).get(purchaseOrderId) ?? [];
    const names = await this.supplierNames([s(rows[0].Supplier)], call);
    const po = this.toPurchaseOrder(rows[0], refs, names.get(s(rows[0].Supplier)) ?? null);
    const docs = [...new Map(refs.map((r) => [`${s(r.SupplierInvoice)}/${s(r.FiscalYear)}`, r])).values()];
    if (docs.length > 0) {
      const filter = or(
        ...docs
          .slice(0, 40)
          .map((r) =>
            and(
              eq('SupplierInvoice', key(s(r.SupplierInvoice), SAP.supplierInvoice, 'an invoice number')),
              eq('FiscalYear', key(s(r.FiscalYear), SAP.fiscalYear, 'a fiscal year')),
            ),
          ),
      );
      const invoices = await this.invoicesWhere(filter, po.supplierId, 200, call);
      po.invoices = invoices.rows.sort((a, b) => a.id.localeCompare(b.id)).map(invoiceOfOrder);
    }
    return po;
  }

  // ---- invoices ----------------------------------------------------------------------------

  /** Invoices matching `filter` with their payment state (clearing from the journal entry items). */
  private async invoicesWhere(
    filter: FilterTerm | undefined,
    supplierId: string,
    bound: number,
    call: UpstreamCall,
  ): Promise<Bounded<Invoice>> {
    const read = await this.readAll(
      'readInvoices',
      `${SERVICES.supplierInvoice}/A_SupplierInvoice`,
      {
        filter,
        select: `${SELECT.invoice},to_SuplrInvcItemPurOrdRef/PurchaseOrder`,
        orderby: 'FiscalYear asc,SupplierInvoice asc',
        expand: 'to_SuplrInvcItemPurOrdRef',
      },
      bound,
      call,
    );
    const cleared = new Map<string, string | null>();
    if (read.rows.length > 0) {
      const dates = read.rows.map((r) => sapDate(r.DocumentDate) ?? '').sort();
      const { rows } = await this.readAll(
        'readInvoiceClearing',
        `${SERVICES.journalEntryItems}/A_OperationalAcctgDocItemCube`,
        {
          filter: and(
            eq('Supplier', supplierKey(supplierId)),
            eq('FinancialAccountType', str('K')),
            cmp('DocumentDate', 'ge', date(dates[0]!)),
            cmp('DocumentDate', 'le', date(dates[dates.length - 1]!)),
          ),
          select: SELECT.clearing,
        },
        bound * 2,
        call,
      );
      for (const r of rows) cleared.set(s(r.OriginalReferenceDocument), sapDate(r.ClearingDate));
    }
    return {
      complete: read.complete,
      rows: read.rows.map((r) => {
        const documentDate = sapDate(r.DocumentDate) ?? '';
        const base = sapDate(r.DueCalculationBaseDate) ?? documentDate;
        const netDays = Number(s(r.NetPaymentDays) || '0');
        const dueDate = new Date(Date.parse(`${base}T00:00:00Z`) + netDays * 86_400_000)
          .toISOString()
          .slice(0, 10);
        const refs = SapBackend.results(r.to_SuplrInvcItemPurOrdRef);
        return toInvoice({
          id: s(r.SupplierInvoice),
          fiscalYear: s(r.FiscalYear),
          supplierId: s(r.InvoicingParty),
          companyCode: s(r.CompanyCode),
          purchaseOrder: refs[0] ? s(refs[0].PurchaseOrder) : null,
          documentDate,
          dueDate,
          paidDate: cleared.get(`${s(r.SupplierInvoice)}${s(r.FiscalYear)}`) ?? null,
          gross: money(s(r.InvoiceGrossAmount), s(r.DocumentCurrency)),
          paymentTerms: s(r.PaymentTerms) || null,
          paymentBlock: s(r.PaymentBlockingReason) || null,
        });
      }),
    };
  }

  async invoiceFacts(q: InvoiceFactsQuery, call: UpstreamCall): Promise<Bounded<Invoice>> {
    const filter = and(
      eq('InvoicingParty', supplierKey(q.supplierId)),
      cmp('DocumentDate', 'ge', date(q.from)),
      cmp('DocumentDate', 'le', date(q.to)),
    );
    return this.invoicesWhere(filter, q.supplierId, q.bound, call);
  }

  async listInvoices(q: InvoiceSearch, call: UpstreamCall): Promise<Page<Invoice>> {
    const filters = INVOICES.filters(q);
    const after = decodeKeyset(INVOICES.scope, filters, q.cursor, { id: SAP.supplierInvoice });
    // Payment state is not filterable in A_SupplierInvoice: read the supplier's window (bounded), then page here.
    const { rows } = await this.invoiceFacts(
      { supplierId: q.supplierId, from: q.from ?? '1900-01-01', to: q.to ?? '9999-12-31', bound: 20_000 },
      call,
    );
    const sorted = rows
      .filter((i) => q.status === undefined || i.status === q.status)
      .sort((a, b) => b.fiscalYear.localeCompare(a.fiscalYear) || b.id.localeCompare(a.id))
      .filter(
        (i) =>
          !after || i.fiscalYear < String(after.v) || (i.fiscalYear === String(after.v) && i.id < after.id),
      );
    return keysetPage(INVOICES.scope, filters, sorted.slice(0, q.limit + 1), q.limit, INVOICES.sortValue);
  }

  // ---- contracts ---------------------------------------------------------------------------

  async listContracts(q: ContractSearch, call: UpstreamCall): Promise<Page<Contract>> {
    const filters = CONTRACTS.filters(q);
    const after = decodeKeyset(CONTRACTS.scope, filters, q.cursor, { id: SAP.contract });
    const filter = and(
      when(q.supplierId, (id) => eq('Supplier', supplierKey(id))),
      when(q.endFrom, (d) => cmp('ValidityEndDate', 'ge', date(d))),
      when(q.endTo, (d) => cmp('ValidityEndDate', 'le', date(d))),
      q.activeOn === undefined
        ? undefined
        : and(
            cmp('ValidityStartDate', 'le', date(q.activeOn)),
            cmp('ValidityEndDate', 'ge', date(q.activeOn)),
          ),
      q.minValue === undefined
        ? undefined
        : and(
            eq('DocumentCurrency', key(q.minValue.currency, /^[A-Z]{3}$/, 'a currency')),
            cmp('PurchaseContractTargetAmount', 'ge', dec(q.minValue.amount)),
          ),
      q.maxValue === undefined
        ? undefined
        : and(
            eq('DocumentCurrency', key(q.maxValue.currency, /^[A-Z]{3}$/, 'a currency')),
            cmp('PurchaseContractTargetAmount', 'le', dec(q.maxValue.amount)),
          ),
      after
        ? or(
            cmp('ValidityEndDate', 'gt', date(String(after.v))),
            and(
              eq('ValidityEndDate', date(String(after.v))),
              cmp('PurchaseContract', 'gt', key(after.id, SAP.contract, 'a contract number')),
            ),
          )
        : undefined,
    );
    const { rows } = await this.page(
      'listContracts',
      `${SERVICES.purchaseContract}/A_PurchaseContract`,
      {
        filter,
        select: SELECT.contract,
        orderby: 'ValidityEndDate asc,PurchaseContract asc',
        top: q.limit + 1,
      },
      call,
    );
    const names = await this.supplierNames(
      rows.map((r) => s(r.Supplier)),
      call,
    );
    const items: Contract[] = rows.map((r) => ({
      id: s(r.PurchaseContract),
      supplierId: s(r.Supplier),
      supplierName: names.get(s(r.Supplier)) ?? null,
      companyCode: s(r.CompanyCode),
      description: s(r.CorrespncInternalReference),
      validFrom: sapDate(r.ValidityStartDate) ?? '',
      validTo: sapDate(r.ValidityEndDate) ?? '',
      targetValue: money(s(r.PurchaseContractTargetAmount), s(r.DocumentCurrency)),
    }));
    return keysetPage(CONTRACTS.scope, filters, items, q.limit, CONTRACTS.sortValue);
  }

  // ---- purchase requisitions (the one write) -----------------------------------------------

  /** Fetches a CSRF token and the session cookies that go with it (GET on the service root). */
  private async fetchCsrf(call: UpstreamCall): Promise<{ token: string; cookie: string }> {
    const response = await this.http.request(
      {
        operation: 'fetchCsrfToken',
        path: `${SERVICES.purchaseRequisition}/`,
        query: this.query({}),
        headers: { 'x-csrf-token': 'Fetch' },
        read: 'none',
      },
      call,
    );
    const token = response.headers.get('x-csrf-token');
    if (!token || token.toLowerCase() === 'required') {
      throw new ToolError('UPSTREAM_UNAVAILABLE', 'SAP did not issue a CSRF token', {
        retryable: true,
        hint: 'Check that the communication arrangement allows the purchase requisition service, then retry.',
      });
    }
    const cookie = response.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .join('; ');
    return { token, cookie };
  }

  async createRequisition(input: NewRequisition, call: UpstreamCall): Promise<CreatedRequisition> {
    const items = input.items.map((it, n) => ({ ...it, item: String((n + 1) * 10).padStart(5, '0') }));
    const body = {
      PurchaseRequisitionType: 'NB',
      ...(input.description ? { PurReqnDescription: input.description } : {}),
      to_PurchaseReqnItem: {
        results: items.map((it) => ({
          PurchaseRequisitionItem: it.item,
          ...(it.material ? { Material: it.material } : {}),
          PurchaseRequisitionItemText: it.description,
          RequestedQuantity: it.quantity,
          BaseUnit: it.unit,
          Plant: it.plant,
          DeliveryDate: toSapDate(it.deliveryDate),
          PurchaseRequisitionPrice: it.valuationPrice.amount,
          PurReqnItemCurrency: it.valuationPrice.currency,
          PurchasingGroup: it.purchasingGroup,
          ...(it.supplierId ? { DesiredSupplier: it.supplierId } : {}),
        })),
      },
    };
    // One CSRF refetch when SAP says the token is no longer valid (session expired); never a blind repeat.
    for (let attempt = 0; attempt < 2; attempt++) {
      this.csrf ??= await this.fetchCsrf(call);
      const response = await this.http.request<{ d?: { PurchaseRequisition?: string } }>(
        {
          operation: 'createPurchaseRequisition',
          method: 'POST',
          path: `${SERVICES.purchaseRequisition}/A_PurchaseRequisitionHeader`,
          query: this.query({}),
          json: body,
          headers: {
            'x-csrf-token': this.csrf.token,
            ...(this.csrf.cookie ? { cookie: this.csrf.cookie } : {}),
          },
          accept: [403],
        },
        call,
      );
      if (
        response.status === 403 &&
        response.headers.get('x-csrf-token')?.toLowerCase() === 'required' &&
        attempt === 0
      ) {
        this.options.log.info({}, 'SAP rejected the CSRF token; fetching a new one');
        this.csrf = undefined;
        continue;
      }
      if (response.status === 403) {
        throw new ToolError('PERMISSION_DENIED', 'SAP denied creating the purchase requisition', {
          hint: 'The communication user needs create authorization for purchase requisitions (see docs/servers/finance.md).',
        });
      }
      const number = response.body.d?.PurchaseRequisition;
      if (!number || !SAP.requisition.test(number)) {
        throw new ToolError('UPSTREAM_UNAVAILABLE', 'SAP did not return a purchase requisition number', {
          retryable: false,
          hint: 'Check in SAP whether the requisition was created before trying again.',
        });
      }
      return { number, items };
    }
    throw new ToolError('UPSTREAM_UNAVAILABLE', 'SAP rejected the CSRF token twice', {
      retryable: true,
      hint: 'Retry later; if it persists, check the communication user session settings.',
    });
  }

  async ready(): Promise<{ ok: boolean; detail?: string }> {
    try {
      await this.page(
        'ready',
        `${SERVICES.businessPartner}/A_Supplier`,
        { select: 'Supplier', top: 1 },
        { signal: AbortSignal.timeout(5000) },
      );
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {}
}
