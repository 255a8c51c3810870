/**
 * A fake S/4HANA for tests, on the shared fake-upstream harness (real HTTP on 127.0.0.1): the five
 * API services' entity sets (plus the journal entry items for invoice clearing) over the sandbox's
 * seed, in the OData V2 JSON wire format — `{d:{results,__next,__count}}`, `/Date(ms)/`, decimals as
 * strings, `$filter` (parsed by a real parser, every one recorded), `$select`, `$expand`, `$top`,
 * `$skip`, `$orderby`, `$inlinecount`, server-driven paging with `__next`, CSRF tokens bound to
 * session cookies on writes, deep insert of requisitions, SAP error bodies, basic auth or expiring
 * OAuth tokens.
 */
import { randomBytes } from 'node:crypto';
import {
  type FakeRequest,
  type FakeResponse,
  type FakeUpstream,
  startFakeUpstream,
} from '@mcp-platform/test-support';
import { daysBetween, type SeedData } from '../../src/backends/sandbox-seed.ts';
import { PLANTS, PURCHASING_GROUPS } from '../../src/model.ts';
import { type EdmType, type Expr, FilterSyntaxError, matches, parseFilter } from './odata-filter.ts';

type Row = Record<string, unknown>;
interface Nav {
  set: string;
  children: (parent: Row) => Row[];
}
interface EntitySet {
  service: string;
  types: Record<string, EdmType>;
  rows: () => Row[];
  navs: Record<string, Nav>;
}

export interface RecordedFilter {
  entitySet: string;
  filter: string;
  ast: Expr;
}

export interface CreatedRequisitionRecord {
  number: string;
  body: Row;
}

export interface FakeS4Hana {
  url: string;
  upstream: FakeUpstream;
  /** Every `$filter` received, parsed. */
  readonly filters: RecordedFilter[];
  readonly requisitions: CreatedRequisitionRecord[];
  /** Every CSRF session ends (the next write gets 403 "CSRF token validation failed"). */
  expireCsrfSessions(): void;
  close(): Promise<void>;
}

export interface FakeS4Options {
  seed: SeedData;
  auth?:
    | { kind: 'basic'; username: string; password: string }
    | { kind: 'oauth'; clientId: string; clientSecret: string; expiresIn?: number };
  /** `sap-client` the system insists on (400 otherwise). */
  client?: string;
  /** Server-driven page size (default 100): longer results come with `__next`. */
  pageSize?: number;
}

const S = (name: string) => `/sap/opu/odata/sap/${name}`;
const STRING = (...names: string[]) => Object.fromEntries(names.map((n) => [n, 'string' as EdmType]));

function sapError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): FakeResponse {
  return {
    status,
    headers,
    body: {
      error: {
        code,
        message: { lang: 'en', value: message },
        innererror: { transactionid: randomBytes(8).toString('hex') },
      },
    },
  };
}

function build(seed: SeedData, created: Row[], createdItems: Row[]): Record<string, EntitySet> {
  const items = new Map<string, Row[]>();
  const schedule = new Map<string, Row[]>();
  for (const i of seed.purchaseOrderItems) {
    const row: Row = {
      PurchaseOrder: i.po_id,
      PurchaseOrderItem: i.item,
      Material: i.material ?? '',
      PurchaseOrderItemText: i.description,
      OrderQuantity: i.quantity,
      PurchaseOrderQuantityUnit: i.unit,
      NetPriceAmount: i.net_price,
      NetPriceQuantity: i.price_unit,
      DocumentCurrency: '',
      Plant: i.plant,
      IsCompletelyDelivered: i.delivery_completed,
      IsFinallyInvoiced: i.finally_invoiced,
    };
    items.set(i.po_id, [...(items.get(i.po_id) ?? []), row]);
    schedule.set(`${i.po_id}/${i.item}`, [
      {
        PurchasingDocument: i.po_id,
        PurchasingDocumentItem: i.item,
        ScheduleLine: '1',
        ScheduleLineDeliveryDate: i.delivery_date,
        ScheduleLineOrderQuantity: i.quantity,
        RoughGoodsReceiptQty: i.received_quantity,
      },
    ]);
  }
  const poCurrency = new Map(seed.purchaseOrders.map((p) => [p.id, p.currency]));
  for (const [po, rows] of items) for (const r of rows) r.DocumentCurrency = poCurrency.get(po);
  // Invoice ↔ PO item references: the PO's first invoice carries the invoiced quantities.
  const refs = new Map<string, Row[]>();
  const firstInvoiceOf = new Set<string>();
  const seedItems = new Map<string, SeedData['purchaseOrderItems']>();
  for (const i of seed.purchaseOrderItems) seedItems.set(i.po_id, [...(seedItems.get(i.po_id) ?? []), i]);
  for (const inv of seed.invoices) {
    const key = `${inv.id}/${inv.fiscal_year}`;
    const poItems = inv.po_id ? (seedItems.get(inv.po_id) ?? []) : [];
    const first = inv.po_id !== null && !firstInvoiceOf.has(inv.po_id);
    if (inv.po_id) firstInvoiceOf.add(inv.po_id);
    const lines = first
      ? poItems
          .filter((i) => i.invoiced_quantity !== '0')
          .map((i) => ({ item: i.item, qty: i.invoiced_quantity }))
      : [{ item: '00010', qty: '0' }];
    refs.set(
      key,
      lines.map((l, n) => ({
        SupplierInvoice: inv.id,
        FiscalYear: inv.fiscal_year,
        SupplierInvoiceItem: String(n + 1).padStart(6, '0'),
        PurchaseOrder: inv.po_id,
        PurchaseOrderItem: l.item,
        QuantityInPurchaseOrderUnit: l.qty,
      })),
    );
  }
  const allRefs = [...refs.values()].flat();
  const sets: Record<string, EntitySet> = {
    A_Supplier: {
      service: 'API_BUSINESS_PARTNER',
      types: {
        ...STRING('Supplier', 'SupplierName', 'Industry'),
        PurchasingIsBlocked: 'boolean',
        PaymentIsBlockedForSupplier: 'boolean',
      },
      rows: () =>
        seed.suppliers.map((s) => ({
          Supplier: s.id,
          SupplierName: s.name,
          Industry: s.category,
          PurchasingIsBlocked: s.purchasing_blocked,
          PaymentIsBlockedForSupplier: s.payment_blocked,
        })),
      navs: {},
    },
    A_BusinessPartnerAddress: {
      service: 'API_BUSINESS_PARTNER',
      types: STRING('BusinessPartner', 'AddressID', 'Country', 'CityName'),
      rows: () =>
        seed.suppliers.map((s) => ({
          BusinessPartner: s.id,
          AddressID: '1',
          Country: s.country,
          CityName: s.city,
        })),
      navs: {},
    },
    A_SupplierCompany: {
      service: 'API_BUSINESS_PARTNER',
      types: STRING('Supplier', 'CompanyCode', 'PaymentTerms'),
      rows: () =>
        seed.supplierCompanies.map((c) => ({
          Supplier: c.supplier_id,
          CompanyCode: c.company_code,
          PaymentTerms: c.payment_terms,
        })),
      navs: {},
    },
    A_PurchaseOrder: {
      service: 'API_PURCHASEORDER_PROCESS_SRV',
      types: {
        ...STRING(
          'PurchaseOrder',
          'Supplier',
          'CompanyCode',
          'PurchasingGroup',
          'DocumentCurrency',
          'PurchasingProcessingStatus',
          'PaymentTerms',
        ),
        PurchaseOrderDate: 'date',
      },
      rows: () =>
        seed.purchaseOrders.map((p) => ({
          PurchaseOrder: p.id,
          Supplier: p.supplier_id,
          CompanyCode: p.company_code,
          PurchasingGroup: p.purchasing_group,
          PurchaseOrderDate: p.order_date,
          DocumentCurrency: p.currency,
          PurchasingProcessingStatus: p.approval_code,
          PaymentTerms: p.payment_terms,
        })),
      navs: {
        to_PurchaseOrderItem: {
          set: 'A_PurchaseOrderItem',
          children: (p) => items.get(String(p.PurchaseOrder)) ?? [],
        },
      },
    },
    A_PurchaseOrderItem: {
      service: 'API_PURCHASEORDER_PROCESS_SRV',
      types: {
        ...STRING(
          'PurchaseOrder',
          'PurchaseOrderItem',
          'Material',
          'PurchaseOrderItemText',
          'PurchaseOrderQuantityUnit',
          'DocumentCurrency',
          'Plant',
        ),
        OrderQuantity: 'decimal',
        NetPriceAmount: 'decimal',
        NetPriceQuantity: 'decimal',
        IsCompletelyDelivered: 'boolean',
        IsFinallyInvoiced: 'boolean',
      },
      rows: () => [...items.values()].flat(),
      navs: {
        to_ScheduleLine: {
          set: 'A_PurchaseOrderScheduleLine',
          children: (i) => schedule.get(`${String(i.PurchaseOrder)}/${String(i.PurchaseOrderItem)}`) ?? [],
        },
      },
    },
    A_PurchaseOrderScheduleLine: {
      service: 'API_PURCHASEORDER_PROCESS_SRV',
      types: {
        ...STRING('PurchasingDocument', 'PurchasingDocumentItem', 'ScheduleLine'),
        ScheduleLineDeliveryDate: 'date',
        ScheduleLineOrderQuantity: 'decimal',
        RoughGoodsReceiptQty: 'decimal',
      },
      rows: () => [...schedule.values()].flat(),
      navs: {},
    },
    A_SupplierInvoice: {
      service: 'API_SUPPLIERINVOICE_PROCESS_SRV',
      types: {
        ...STRING(
          'SupplierInvoice',
          'FiscalYear',
          'CompanyCode',
          'InvoicingParty',
          'DocumentCurrency',
          'PaymentTerms',
          'PaymentBlockingReason',
        ),
        DocumentDate: 'date',
        DueCalculationBaseDate: 'date',
        InvoiceGrossAmount: 'decimal',
        NetPaymentDays: 'int',
      },
      rows: () =>
        seed.invoices.map((i) => ({
          SupplierInvoice: i.id,
          FiscalYear: i.fiscal_year,
          CompanyCode: i.company_code,
          DocumentDate: i.document_date,
          InvoicingParty: i.supplier_id,
          DocumentCurrency: i.currency,
          InvoiceGrossAmount: i.gross_amount,
          PaymentTerms: i.payment_terms,
          DueCalculationBaseDate: i.document_date,
          NetPaymentDays: String(daysBetween(i.document_date, i.due_date)),
          PaymentBlockingReason: i.payment_block ?? '',
        })),
      navs: {
        to_SuplrInvcItemPurOrdRef: {
          set: 'A_SuplrInvcItemPurOrdRef',
          children: (i) => refs.get(`${String(i.SupplierInvoice)}/${String(i.FiscalYear)}`) ?? [],
        },
      },
    },
    A_SuplrInvcItemPurOrdRef: {
      service: 'API_SUPPLIERINVOICE_PROCESS_SRV',
      types: {
        ...STRING(
          'SupplierInvoice',
          'FiscalYear',
          'SupplierInvoiceItem',
          'PurchaseOrder',
          'PurchaseOrderItem',
        ),
        QuantityInPurchaseOrderUnit: 'decimal',
      },
      rows: () => allRefs,
      navs: {},
    },
    A_OperationalAcctgDocItemCube: {
      service: 'API_OPLACCTGDOCITEMCUBE_SRV',
      types: {
        ...STRING(
          'CompanyCode',
          'FiscalYear',
          'AccountingDocument',
          'Supplier',
          'FinancialAccountType',
          'OriginalReferenceDocument',
        ),
        DocumentDate: 'date',
        ClearingDate: 'date',
      },
      rows: () =>
        seed.invoices.map((i, n) => ({
          CompanyCode: i.company_code,
          FiscalYear: i.fiscal_year,
          AccountingDocument: String(5_105_600_000 + n),
          Supplier: i.supplier_id,
          FinancialAccountType: 'K',
          DocumentDate: i.document_date,
          OriginalReferenceDocument: `${i.id}${i.fiscal_year}`,
          ClearingDate: i.paid_date,
        })),
      navs: {},
    },
    A_PurchaseContract: {
      service: 'API_PURCHASECONTRACT_PROCESS_SRV',
      types: {
        ...STRING(
          'PurchaseContract',
          'Supplier',
          'CompanyCode',
          'CorrespncInternalReference',
          'DocumentCurrency',
        ),
        ValidityStartDate: 'date',
        ValidityEndDate: 'date',
        PurchaseContractTargetAmount: 'decimal',
      },
      rows: () =>
        seed.contracts.map((c) => ({
          PurchaseContract: c.id,
          Supplier: c.supplier_id,
          CompanyCode: c.company_code,
          CorrespncInternalReference: c.description,
          ValidityStartDate: c.valid_from,
          ValidityEndDate: c.valid_to,
          PurchaseContractTargetAmount: c.target_value,
          DocumentCurrency: c.currency,
        })),
      navs: {},
    },
    A_PurchaseRequisitionHeader: {
      service: 'API_PURCHASEREQ_PROCESS_SRV',
      types: STRING('PurchaseRequisition', 'PurchaseRequisitionType', 'PurReqnDescription'),
      rows: () => created,
      navs: {
        to_PurchaseReqnItem: {
          set: 'A_PurchaseRequisitionItem',
          children: (h) => createdItems.filter((i) => i.PurchaseRequisition === h.PurchaseRequisition),
        },
      },
    },
  };
  return sets;
}

/** The wire form of a value: dates `/Date(ms)/`, decimals and numbers as strings. */
function wire(value: unknown, type: EdmType | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'date') return `/Date(${Date.parse(`${String(value)}T00:00:00Z`)})/`;
  if (type === 'decimal' || type === 'int') return String(value);
  return value;
}

export async function startFakeS4Hana(options: FakeS4Options): Promise<FakeS4Hana> {
  const oauth = options.auth?.kind === 'oauth' ? options.auth : undefined;
  const upstream = await startFakeUpstream(
    oauth
      ? {
          oauth: {
            path: '/sap/bc/sec/oauth2/token',
            clientId: oauth.clientId,
            clientSecret: oauth.clientSecret,
            expiresIn: oauth.expiresIn ?? 3600,
          },
        }
      : {},
  );
  const created: Row[] = [];
  const createdItems: Row[] = [];
  const sets = build(options.seed, created, createdItems);
  const filters: RecordedFilter[] = [];
  const requisitions: CreatedRequisitionRecord[] = [];
  const sessions = new Map<string, string>();
  const pageSize = options.pageSize ?? 100;
  let nextRequisition = 10_000_001;

  const gate = (request: FakeRequest): FakeResponse | undefined => {
    if (options.auth?.kind === 'basic') {
      const expected = `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString('base64')}`;
      if (request.headers.authorization !== expected)
        return sapError(401, '/IWFND/CM_CONSUMER/101', 'Logon failed');
    }
    if (options.client !== undefined && request.query['sap-client'] !== options.client) {
      return sapError(
        400,
        '/IWFND/MED/170',
        `No service found for namespace, name, version (client ${request.query['sap-client'] ?? 'none'})`,
      );
    }
    return undefined;
  };

  const cookieSession = (request: FakeRequest): string | undefined => {
    const cookie = request.headers.cookie ?? '';
    return /(?:^|;\s*)SAP_SESSIONID=([^;]+)/.exec(cookie)?.[1];
  };

  const serialize = (
    set: EntitySet,
    row: Row,
    expand: string[][],
    select: string[] | undefined,
    prefix: string,
  ): Row => {
    const out: Row = {};
    for (const [name, type] of Object.entries(set.types)) {
      const path = prefix + name;
      if (select === undefined || select.includes(path) || select.includes(`${prefix}*`))
        out[name] = wire(row[name], type);
    }
    for (const [nav, def] of Object.entries(set.navs)) {
      const deeper = expand.filter((p) => p[0] === nav).map((p) => p.slice(1));
      if (deeper.length === 0) {
        out[nav] = { __deferred: { uri: `${nav}` } };
        continue;
      }
      const child = sets[def.set]!;
      const childSelect = select?.some((p) => p.startsWith(`${prefix}${nav}/`))
        ? select
        : select === undefined
          ? undefined
          : [`${prefix}${nav}/*`];
      out[nav] = {
        results: def.children(row).map((c) =>
          serialize(
            child,
            c,
            deeper.filter((d) => d.length > 0),
            childSelect,
            `${prefix}${nav}/`,
          ),
        ),
      };
    }
    return out;
  };

  const list = (name: string, set: EntitySet, request: FakeRequest): FakeResponse => {
    const q = request.query;
    let rows = set.rows();
    if (q.$filter !== undefined) {
      let ast: Expr;
      try {
        ast = parseFilter(q.$filter, new Set(Object.keys(set.types)));
      } catch (error) {
        if (error instanceof FilterSyntaxError)
          return sapError(400, '/IWBEP/CM_MGW_RT/022', `Invalid filter: ${error.message}`);
        throw error;
      }
      filters.push({ entitySet: name, filter: q.$filter, ast });
      rows = rows.filter((r) => matches(ast, r, set.types));
    }
    if (q.$orderby !== undefined) {
      const keys = q.$orderby.split(',').map((part) => {
        const [prop, dir = 'asc'] = part.trim().split(/\s+/);
        if (!prop || !(prop in set.types) || !['asc', 'desc'].includes(dir))
          throw new FilterSyntaxError(`bad $orderby ${part}`);
        return { prop, desc: dir === 'desc' };
      });
      rows = [...rows].sort((a, b) => {
        for (const k of keys) {
          const type = set.types[k.prop];
          const x = a[k.prop];
          const y = b[k.prop];
          const c =
            type === 'decimal' || type === 'int'
              ? Number(x) - Number(y)
              : String(x ?? '').localeCompare(String(y ?? ''), 'en', { numeric: false });
          if (c !== 0) return k.desc ? -c : c;
        }
        return 0;
      });
    }
    const expand = (q.$expand ?? '')
      .split(',')
      .filter(Boolean)
      .map((p) => p.trim().split('/'));
    for (const path of expand) {
      let current = set;
      for (const nav of path) {
        const def = current.navs[nav];
        if (!def) return sapError(400, '/IWBEP/CM_MGW_RT/021', `Navigation property ${nav} not found`);
        current = sets[def.set]!;
      }
    }
    const select = q.$select === undefined ? undefined : q.$select.split(',').map((p) => p.trim());
    for (const path of select ?? []) {
      const parts = path.split('/');
      let current = set;
      for (const part of parts.slice(0, -1)) {
        const def = current.navs[part];
        if (!def) return sapError(400, '/IWBEP/CM_MGW_RT/021', `Property ${path} not found`);
        current = sets[def.set]!;
      }
      const last = parts[parts.length - 1]!;
      if (last !== '*' && !(last in current.types) && !(last in current.navs)) {
        return sapError(400, '/IWBEP/CM_MGW_RT/021', `Property ${path} not found`);
      }
    }
    const count = rows.length;
    const skip = Number(q.$skiptoken ?? q.$skip ?? 0);
    const top = q.$top === undefined ? Number.POSITIVE_INFINITY : Number(q.$top);
    const end = Math.min(rows.length, top);
    const pageEnd = Math.min(end, skip + pageSize);
    const page = rows.slice(skip, pageEnd).map((r) => serialize(set, r, expand, select, ''));
    const d: Row = { results: page };
    if (q.$inlinecount === 'allpages') d.__count = String(count);
    if (pageEnd < end) {
      const next = new URL(`${upstream.url}${request.path}`);
      for (const [k, v] of Object.entries(q))
        if (k !== '$skiptoken' && k !== '$skip') next.searchParams.set(k, v);
      if (q.$top !== undefined) next.searchParams.set('$top', String(top));
      next.searchParams.set('$skiptoken', String(pageEnd));
      d.__next = next.toString();
    }
    return { body: { d } };
  };

  for (const [name, set] of Object.entries(sets)) {
    upstream.route('GET', `${S(set.service)}/${name}`, (request) => {
      const refused = gate(request);
      if (refused) return refused;
      try {
        return list(name, set, request);
      } catch (error) {
        if (error instanceof FilterSyntaxError) return sapError(400, '/IWBEP/CM_MGW_RT/022', error.message);
        throw error;
      }
    });
  }

  // CSRF token fetch on the service root: a token bound to a new session cookie.
  upstream.route('GET', `${S('API_PURCHASEREQ_PROCESS_SRV')}/`, (request) => {
    const refused = gate(request);
    if (refused) return refused;
    if (String(request.headers['x-csrf-token'] ?? '').toLowerCase() !== 'fetch')
      return { body: { d: { EntitySets: Object.keys(sets) } } };
    const sid = randomBytes(12).toString('hex');
    const token = randomBytes(16).toString('base64url');
    sessions.set(sid, token);
    return {
      headers: { 'x-csrf-token': token, 'set-cookie': `SAP_SESSIONID=${sid}; path=/; HttpOnly` },
      body: { d: { EntitySets: Object.keys(sets) } },
    };
  });

  upstream.route('POST', `${S('API_PURCHASEREQ_PROCESS_SRV')}/A_PurchaseRequisitionHeader`, (request) => {
    const refused = gate(request);
    if (refused) return refused;
    const sid = cookieSession(request);
    const token = String(request.headers['x-csrf-token'] ?? '');
    if (sid === undefined || sessions.get(sid) !== token) {
      return sapError(403, '/IWFND/CM_BEC/026', 'CSRF token validation failed', {
        'x-csrf-token': 'Required',
      });
    }
    const body = request.json as Row | undefined;
    const items = (body?.to_PurchaseReqnItem as { results?: Row[] } | undefined)?.results;
    if (!body || !Array.isArray(items) || items.length === 0) {
      return sapError(
        400,
        'MEPO/000',
        'A purchase requisition needs at least one item (deep insert of to_PurchaseReqnItem)',
      );
    }
    for (const item of items) {
      if (!(String(item.Plant) in PLANTS))
        return sapError(400, 'ME/039', `Plant ${String(item.Plant)} does not exist`);
      if (!(String(item.PurchasingGroup) in PURCHASING_GROUPS))
        return sapError(400, 'ME/040', `Purchasing group ${String(item.PurchasingGroup)} does not exist`);
      if (typeof item.RequestedQuantity !== 'string' || !/^\d+(\.\d+)?$/.test(item.RequestedQuantity))
        return sapError(400, 'ME/041', 'RequestedQuantity must be a decimal string');
      if (typeof item.DeliveryDate !== 'string' || !/^\/Date\(\d+\)\/$/.test(item.DeliveryDate))
        return sapError(400, 'ME/042', 'DeliveryDate must be /Date(ms)/');
    }
    const number = String(nextRequisition++);
    const header: Row = {
      PurchaseRequisition: number,
      PurchaseRequisitionType: body.PurchaseRequisitionType ?? 'NB',
      PurReqnDescription: body.PurReqnDescription ?? '',
    };
    created.push(header);
    for (const item of items) createdItems.push({ ...item, PurchaseRequisition: number });
    requisitions.push({ number, body });
    return {
      status: 201,
      body: {
        d: {
          ...header,
          to_PurchaseReqnItem: { results: items.map((i) => ({ ...i, PurchaseRequisition: number })) },
        },
      },
    };
  });

  return {
    url: upstream.url,
    upstream,
    filters,
    requisitions,
    expireCsrfSessions: () => sessions.clear(),
    close: () => upstream.close(),
  };
}
