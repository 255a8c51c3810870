import { ToolError } from '@mcp-platform/protocol';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { type FakeS4Hana, startFakeS4Hana } from '../fake/fake-s4hana.ts';
import type { Expr } from '../fake/odata-filter.ts';
import { call, sapOn, seedData } from '../helpers.ts';

// Whole flows over real HTTP and PostgreSQL: generous limits for a loaded 2-core CI machine.
vi.setConfig({ testTimeout: 180_000 });

const BASIC = { kind: 'basic' as const, username: 'MCP_COMM_USER', password: 'secret-pass' };
const requisition = {
  items: [
    {
      description: 'Nitrile gloves (box)',
      quantity: '40',
      unit: 'BOX',
      plant: '1020',
      deliveryDate: '2027-02-01',
      valuationPrice: { amount: '6.40', currency: 'EUR' },
      purchasingGroup: '002',
    },
  ],
};

describe('the SAP backend on the fake S/4HANA', () => {
  let fake: FakeS4Hana | undefined;
  afterEach(async () => {
    await fake?.close();
    fake = undefined;
  });

  it('fetches a CSRF token with a GET, sends it back with the session cookie, and refetches once when SAP rejects it', async () => {
    fake = await startFakeS4Hana({ seed: seedData(), auth: BASIC });
    const sap = sapOn(fake);
    const first = await sap.createRequisition(requisition, call());
    expect(first.number).toBe('10000001');
    const [fetch, post] = fake.upstream.requests.slice(-2);
    expect(fetch).toMatchObject({ method: 'GET', headers: { 'x-csrf-token': 'Fetch' } });
    expect(post).toMatchObject({ method: 'POST' });
    expect(post!.headers.cookie).toMatch(/^SAP_SESSIONID=/);
    expect(post!.headers['x-csrf-token']).not.toBe('Fetch');
    // Deep insert: header and items in one POST, dates and decimals in the V2 wire format.
    expect(fake.requisitions[0]!.body).toMatchObject({
      PurchaseRequisitionType: 'NB',
      to_PurchaseReqnItem: {
        results: [
          {
            Plant: '1020',
            RequestedQuantity: '40',
            PurchaseRequisitionPrice: '6.40',
            DeliveryDate: '/Date(1801440000000)/',
          },
        ],
      },
    });

    // The session ends: the next write is refused once, a new token is fetched, the write goes through once.
    fake.expireCsrfSessions();
    const before = fake.upstream.requests.length;
    const second = await sap.createRequisition(requisition, call());
    expect(second.number).toBe('10000002');
    const methods = fake.upstream.requests
      .slice(before)
      .map((r) => `${r.method} ${r.headers['x-csrf-token'] === 'Fetch' ? 'fetch' : 'token'}`);
    expect(methods).toEqual(['POST token', 'GET fetch', 'POST token']);
    expect(fake.requisitions).toHaveLength(2);
  });

  it('gives up after one refetch when SAP keeps refusing the token', async () => {
    fake = await startFakeS4Hana({ seed: seedData(), auth: BASIC });
    const sap = sapOn(fake);
    fake.upstream.failNext(
      /A_PurchaseRequisitionHeader$/,
      {
        status: 403,
        headers: { 'x-csrf-token': 'Required' },
        body: { error: { code: 'x', message: { value: 'CSRF token validation failed' } } },
      },
      2,
    );
    const error = await sap.createRequisition(requisition, call()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect(fake.requisitions).toHaveLength(0);
  });

  it('maps SAP error bodies onto registry codes with what SAP said', async () => {
    fake = await startFakeS4Hana({ seed: seedData(), auth: BASIC });
    const sap = sapOn(fake);
    const bad = { items: [{ ...requisition.items[0]!, plant: '9999' }] };
    const error = (await sap.createRequisition(bad, call()).catch((e: unknown) => e)) as ToolError;
    expect(error).toBeInstanceOf(ToolError);
    expect(error.code).toBe('VALIDATION_FAILED');
    expect(error.message).toContain('Plant 9999 does not exist');
    const wrong = sapOn(fake, { auth: { kind: 'basic', username: 'MCP_COMM_USER', password: 'wrong' } });
    const denied = (await wrong.getSupplier('17300001', call()).catch((e: unknown) => e)) as ToolError;
    expect(denied.code).toBe('UPSTREAM_AUTH_FAILED');
  });

  it('sends sap-client on every request when configured', async () => {
    fake = await startFakeS4Hana({ seed: seedData(), auth: BASIC, client: '100' });
    expect((await sapOn(fake, { client: '100' }).getSupplier('17300001', call()))?.id).toBe('17300001');
    const without = (await sapOn(fake)
      .getSupplier('17300001', call())
      .catch((e: unknown) => e)) as ToolError;
    expect(without).toBeInstanceOf(ToolError);
    expect(fake.upstream.requests.filter((r) => r.query['sap-client'] === '100').length).toBeGreaterThan(0);
  });

  it('uses OAuth client credentials and fetches a new token once the old one expires', async () => {
    fake = await startFakeS4Hana({
      seed: seedData(),
      auth: { kind: 'oauth', clientId: 'mcp-finance', clientSecret: 's3cret', expiresIn: 3600 },
    });
    const sap = sapOn(fake, {
      auth: {
        kind: 'oauth',
        tokenUrl: `${fake.url}/sap/bc/sec/oauth2/token`,
        clientId: 'mcp-finance',
        clientSecret: 's3cret',
      },
    });
    expect((await sap.getSupplier('17300002', call()))?.id).toBe('17300002');
    expect(fake.upstream.issuedTokens).toHaveLength(1);
    fake.upstream.expireTokens();
    expect((await sap.getSupplier('17300003', call()))?.id).toBe('17300003');
    expect(fake.upstream.issuedTokens).toHaveLength(2);
  });

  it('follows __next for server-driven paging', async () => {
    fake = await startFakeS4Hana({ seed: seedData(), auth: BASIC, pageSize: 25 });
    const sap = sapOn(fake);
    const terms = await sap.purchaseOrderValues(
      { from: '2025-01-01', to: '2025-03-31', bound: 20_000 },
      call(),
    );
    const expected = seedData().purchaseOrders.filter(
      (p) => p.order_date >= '2025-01-01' && p.order_date <= '2025-03-31' && p.approval_code !== '08',
    );
    expect(terms.rows.map((r) => r.purchaseOrder)).toEqual(expected.map((p) => p.id));
    expect(fake.upstream.requests.filter((r) => r.query.$skiptoken !== undefined).length).toBeGreaterThan(5);
  });

  /** Inputs that try to change a filter's meaning, sent through every text/id input the backend takes. */
  const HOSTILE = [
    "O'Brien",
    "' or 1 eq 1",
    "x') or (Supplier ne '",
    '%27 or 1 eq 1',
    'and',
    ' or ',
    'SupplierName',
    '‘ or ’1’ eq ’1',
    'ʼ＇',
  ];

  const literals = (expr: Expr, out: string[] = []): string[] => {
    if (expr.type === 'lit' && expr.literal.kind === 'string') out.push(expr.literal.value);
    if (expr.type === 'and' || expr.type === 'or') {
      literals(expr.left, out);
      literals(expr.right, out);
    }
    if (expr.type === 'not') literals(expr.expr, out);
    if (expr.type === 'cmp') {
      literals(expr.left, out);
      literals(expr.right, out);
    }
    if (expr.type === 'call') for (const a of expr.args) literals(a, out);
    return out;
  };
  const props = (expr: Expr, out: Set<string> = new Set()): Set<string> => {
    if (expr.type === 'prop') out.add(expr.name);
    if (expr.type === 'and' || expr.type === 'or' || expr.type === 'cmp') {
      props(expr.left, out);
      props(expr.right, out);
    }
    if (expr.type === 'not') props(expr.expr, out);
    if (expr.type === 'call') for (const a of expr.args) props(a, out);
    return out;
  };

  it('name text reaches $filter as one literal; ids that are not SAP keys never reach SAP', async () => {
    fake = await startFakeS4Hana({ seed: seedData(), auth: BASIC });
    const sap = sapOn(fake);
    for (const text of HOSTILE) {
      fake.filters.length = 0;
      await sap.searchSuppliers({ name: text, limit: 5 }, call());
      const supplierFilters = fake.filters.filter((f) => f.entitySet === 'A_Supplier');
      expect(supplierFilters).toHaveLength(1);
      const { ast } = supplierFilters[0]!;
      // Exactly one function term over SupplierName whose literal is the (lower-cased) text itself.
      expect(ast).toEqual({
        type: 'call',
        name: 'substringof',
        args: [
          { type: 'lit', literal: { kind: 'string', value: text.toLowerCase() } },
          { type: 'call', name: 'tolower', args: [{ type: 'prop', name: 'SupplierName' }] },
        ],
      });
      for (const id of [text, `1730000${text}`]) {
        const before = fake.upstream.requests.length;
        await expect(sap.getSupplier(id, call())).rejects.toThrow();
        await expect(sap.getPurchaseOrder(id, call())).rejects.toThrow();
        await expect(sap.listContracts({ supplierId: id, limit: 1 }, call())).rejects.toThrow();
        expect(fake.upstream.requests.length).toBe(before);
      }
    }
    // Across every filter the backend sent, only known properties appear and every literal is one we gave.
    for (const f of fake.filters)
      expect([...props(f.ast)].every((p) => /^[A-Z][A-Za-z]+$/.test(p))).toBe(true);
    const last = fake.filters.find((f) => f.entitySet === 'A_Supplier')!;
    expect(literals(last.ast)).toEqual([HOSTILE.at(-1)!.toLowerCase()]);
  });
});
