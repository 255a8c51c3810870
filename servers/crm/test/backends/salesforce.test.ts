import { ToolError } from '@mcp-platform/protocol';
import { decodeKeyset, encodeCursor } from '@mcp-platform/server-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { SalesforceBackend } from '../../src/backends/salesforce.ts';
import { SalesforceBackend as Backend } from '../../src/backends/salesforce.ts';
import { KEYSET } from '../../src/backends/soql.ts';
import { type FakeSalesforce, startFakeSalesforce } from '../fake-salesforce.ts';
import { ANCHOR, background, rsaKeyPair, salesforceOn, silentLog } from '../helpers.ts';

const ACME = '001SB0000000000001';
const ACCOUNT_FIELDS =
  'Id, Name, Industry, Type, Owner.Name, BillingCity, BillingCountry, AnnualRevenue, NumberOfEmployees, Website, Phone';
const OPP_FIELDS =
  'Id, Name, AccountId, Account.Name, StageName, Amount, CloseDate, Probability, Owner.Name, NextStep';

let fake: FakeSalesforce;
let crm: SalesforceBackend;

beforeAll(async () => {
  fake = await startFakeSalesforce({ anchorDate: ANCHOR });
  crm = salesforceOn(fake);
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});

describe('SOQL sent for each operation', () => {
  it('searches accounts by name, industry and owner with escaped LIKE patterns and keyset order', async () => {
    const page = await crm.searchAccounts(
      {
        name: 'acme',
        industry: 'Hospitality',
        owner: 'Sofia',
        limit: 5,
      },
      background,
    );
    expect(fake.soql()).toEqual([
      `SELECT ${ACCOUNT_FIELDS} FROM Account WHERE Name LIKE '%acme%' AND Industry = 'Hospitality' AND Owner.Name LIKE '%Sofia%' ORDER BY Name ASC, Id ASC LIMIT 6`,
    ]);
    expect(page.items.map((a) => a.name)).toEqual(['Acme Corporation']);
    expect(page.items[0]?.ownerName).toBe('Sofia Garcia');
    expect(page.nextCursor).toBeUndefined();
  });

  it('pages accounts with a keyset cursor, never OFFSET, and the pages do not overlap', async () => {
    const first = await crm.searchAccounts({ name: 'Corporation', limit: 4 }, background);
    expect(first.items).toHaveLength(4);
    expect(first.nextCursor).toBeDefined();
    const last = first.items[3]!;
    const second = await crm.searchAccounts(
      { name: 'Corporation', limit: 4, cursor: first.nextCursor },
      background,
    );
    expect(fake.soql()[1]).toBe(
      `SELECT ${ACCOUNT_FIELDS} FROM Account WHERE Name LIKE '%Corporation%' AND (Name > '${last.name}' OR (Name = '${last.name}' AND Id > '${last.id}')) ORDER BY Name ASC, Id ASC LIMIT 5`,
    );
    expect(fake.soql().join('\n')).not.toMatch(/OFFSET/);
    const ids = new Set(first.items.map((a) => a.id));
    for (const a of second.items) expect(ids.has(a.id)).toBe(false);
    expect(second.items[0]!.name >= last.name).toBe(true);
  });

  it('rejects a cursor minted for other filters', async () => {
    const first = await crm.searchAccounts({ name: 'Corporation', limit: 2 }, background);
    await expect(
      crm.searchAccounts({ name: 'Holdings', limit: 2, cursor: first.nextCursor }, background),
    ).rejects.toMatchObject({
      code: 'INVALID_CURSOR',
    });
    await expect(crm.searchAccounts({ limit: 2, cursor: 'not-a-cursor' }, background)).rejects.toBeInstanceOf(
      ToolError,
    );
  });

  it('lists open opportunities with date, amount, stage and owner filters', async () => {
    const page = await crm.listOpenOpportunities(
      {
        owner: 'Sofia',
        stage: 'Qualification',
        closeFrom: '2026-10-01',
        closeTo: '2027-12-31',
        minAmount: 1000.5,
        limit: 3,
      },
      background,
    );
    expect(fake.soql()[0]).toBe(
      `SELECT ${OPP_FIELDS} FROM Opportunity WHERE IsClosed = false AND Owner.Name LIKE '%Sofia%' AND StageName = 'Qualification' AND CloseDate >= 2026-10-01 AND CloseDate <= 2027-12-31 AND Amount >= 1000.50 ORDER BY CloseDate ASC, Id ASC LIMIT 4`,
    );
    for (const o of page.items) {
      expect(o.stage).toBe('Qualification');
      expect(o.ownerName).toBe('Sofia Garcia');
      expect(o.closeDate! >= '2026-10-01').toBe(true);
    }
    expect(page.items).toHaveLength(3);
    expect(page.nextCursor).toBeDefined();
    {
      const pos = decodeKeyset(
        'opportunities',
        {
          owner: 'Sofia',
          stage: 'Qualification',
          accountId: undefined,
          closeFrom: '2026-10-01',
          closeTo: '2027-12-31',
          minAmount: 1000.5,
        },
        page.nextCursor,
        KEYSET,
      );
      expect(pos?.id).toBe(page.items.at(-1)?.id);
    }
  });

  it('builds the account overview from six fixed queries on the account id', async () => {
    const overview = await crm.getAccountOverview(
      ACME,
      { activities: 3, perList: 10, today: ANCHOR },
      background,
    );
    expect(fake.soql().sort()).toEqual(
      [
        `SELECT ${ACCOUNT_FIELDS}, Description FROM Account WHERE Id = '${ACME}' LIMIT 1`,
        `SELECT ${OPP_FIELDS} FROM Opportunity WHERE AccountId = '${ACME}' AND IsClosed = false ORDER BY CloseDate ASC, Id ASC LIMIT 11`,
        `SELECT Id, CaseNumber, Subject, Status, Priority, Origin, CreatedDate, AccountId, Contact.Name FROM Case WHERE AccountId = '${ACME}' AND IsClosed = false ORDER BY CreatedDate DESC, Id DESC LIMIT 11`,
        `SELECT Id, Name, Title, Email, Phone, AccountId, Account.Name, LastActivityDate FROM Contact WHERE AccountId = '${ACME}' ORDER BY LastActivityDate DESC NULLS LAST, Id ASC LIMIT 11`,
        `SELECT Id, Subject, Type, Status, ActivityDate, WhatId, WhoId, Owner.Name, Description FROM Task WHERE AccountId = '${ACME}' AND ActivityDate <= ${ANCHOR} ORDER BY ActivityDate DESC, Id DESC LIMIT 4`,
        `SELECT Id, ContractNumber, AccountId, Account.Name, Status, StartDate, EndDate, ContractTerm, Owner.Name FROM Contract WHERE AccountId = '${ACME}' AND Status = 'Activated' AND EndDate >= ${ANCHOR} ORDER BY EndDate ASC, Id ASC LIMIT 11`,
      ].sort(),
    );
    expect(overview?.account.name).toBe('Acme Corporation');
    expect(overview?.recentActivities.items.length).toBeLessThanOrEqual(3);
    expect(overview?.openOpportunities.items.every((o) => o.accountId === ACME)).toBe(true);
  });

  it('returns undefined for an account that does not exist', async () => {
    expect(
      await crm.getAccountOverview(
        '001SB0000000009999',
        { activities: 3, perList: 10, today: ANCHOR },
        background,
      ),
    ).toBeUndefined();
  });

  it('lists renewals in a window and open cases newest first', async () => {
    const renewals = await crm.listRenewals({ from: ANCHOR, to: '2027-02-21', limit: 50 }, background);
    expect(fake.soql()[0]).toBe(
      `SELECT Id, ContractNumber, AccountId, Account.Name, Status, StartDate, EndDate, ContractTerm, Owner.Name FROM Contract WHERE Status = 'Activated' AND EndDate >= ${ANCHOR} AND EndDate <= 2027-02-21 ORDER BY EndDate ASC, Id ASC LIMIT 51`,
    );
    expect(renewals.items.length).toBeGreaterThan(0);
    const dates = renewals.items.map((c) => c.endDate!);
    expect([...dates].sort()).toEqual(dates);

    const cases = await crm.listOpenCases({ accountId: ACME, priority: 'Low', limit: 1 }, background);
    expect(fake.soql()[1]).toBe(
      `SELECT Id, CaseNumber, Subject, Status, Priority, Origin, CreatedDate, AccountId, Contact.Name FROM Case WHERE AccountId = '${ACME}' AND IsClosed = false AND Priority = 'Low' ORDER BY CreatedDate DESC, Id DESC LIMIT 2`,
    );
    expect(cases.nextCursor).toBeDefined();
    {
      const next = await crm.listOpenCases(
        {
          accountId: ACME,
          priority: 'Low',
          limit: 1,
          cursor: cases.nextCursor,
        },
        background,
      );
      const created = cases.items[0]!.createdDate!.slice(0, 19);
      expect(fake.soql()[2]).toContain(
        `(CreatedDate < ${created}Z OR (CreatedDate = ${created}Z AND Id < '${cases.items[0]!.id}'))`,
      );
      expect(next.items[0]?.id).not.toBe(cases.items[0]!.id);
    }
  });

  it('follows nextRecordsUrl (queryMore) when Salesforce returns a result in batches', async () => {
    fake.batchSize = 3;
    const page = await crm.listOpenOpportunities({ limit: 10 }, background);
    expect(page.items).toHaveLength(10);
    const paths = fake.requests.map((r) => r.path);
    expect(paths.filter((p) => /\/query\/01gSB\d+-\d+$/.test(p))).toHaveLength(3);
    expect(fake.soql()).toHaveLength(1);
  });

  it('pins the API version in every request path', async () => {
    await crm.findContacts({ name: 'Smith', limit: 2 }, background);
    for (const r of fake.requests.filter((x) => x.path.startsWith('/services/data/'))) {
      expect(r.path.startsWith('/services/data/v62.0/')).toBe(true);
    }
  });
});

describe('injection: every free-text input becomes escaped SOQL', () => {
  const NASTY = `O'Brien\\ 50%_off\n\r\t"x" OR Name != '' --`;
  const ESCAPED_LIKE = `O\\'Brien\\\\ 50\\%\\_off\\n\\r\\t\\"x\\" OR Name != \\'\\' --`;

  it('search_accounts name and owner', async () => {
    const page = await crm.searchAccounts({ name: NASTY, owner: NASTY, limit: 5 }, background);
    expect(fake.soql()[0]).toBe(
      `SELECT ${ACCOUNT_FIELDS} FROM Account WHERE Name LIKE '%${ESCAPED_LIKE}%' AND Owner.Name LIKE '%${ESCAPED_LIKE}%' ORDER BY Name ASC, Id ASC LIMIT 6`,
    );
    expect(page.items).toEqual([]);
  });

  it('find_contacts name, email and title; list_open_opportunities and renewals owner', async () => {
    await crm.findContacts({ name: NASTY, email: NASTY, title: NASTY, limit: 5 }, background);
    expect(fake.soql()[0]).toContain(
      `WHERE Name LIKE '%${ESCAPED_LIKE}%' AND Email LIKE '%${ESCAPED_LIKE}%' AND Title LIKE '%${ESCAPED_LIKE}%' ORDER BY`,
    );
    await crm.listOpenOpportunities({ owner: NASTY, limit: 5 }, background);
    expect(fake.soql()[1]).toContain(`AND Owner.Name LIKE '%${ESCAPED_LIKE}%' ORDER BY`);
    await crm.listRenewals({ from: ANCHOR, to: '2027-01-01', owner: NASTY, limit: 5 }, background);
    expect(fake.soql()[2]).toContain(`AND Owner.Name LIKE '%${ESCAPED_LIKE}%' ORDER BY`);
  });

  it('wildcards match literally: % and _ do not widen a search', async () => {
    expect((await crm.searchAccounts({ name: '%', limit: 5 }, background)).items).toEqual([]);
    expect((await crm.searchAccounts({ name: '_', limit: 5 }, background)).items).toEqual([]);
    expect((await crm.searchAccounts({ name: 'Acme%', limit: 5 }, background)).items).toEqual([]);
    expect((await crm.searchAccounts({ name: 'Acme', limit: 5 }, background)).items.length).toBe(2);
  });

  it("an apostrophe in a real name still finds it (owner Liam O'Connor)", async () => {
    const page = await crm.searchAccounts({ owner: "O'Connor", limit: 25 }, background);
    expect(fake.soql()[0]).toContain(`Owner.Name LIKE '%O\\'Connor%'`);
    expect(page.items.length).toBeGreaterThan(0);
    expect(page.items.every((a) => a.ownerName === "Liam O'Connor")).toBe(true);
  });

  it('a cursor whose sort value carries quotes is escaped too', async () => {
    const filters = { name: undefined, industry: undefined, owner: undefined };
    const cursor = encodeCursor('accounts', filters, { v: "x' OR Name != '", id: ACME });
    await crm.searchAccounts({ limit: 2, cursor }, background);
    expect(fake.soql()[0]).toContain(
      `(Name > 'x\\' OR Name != \\'' OR (Name = 'x\\' OR Name != \\'' AND Id > '${ACME}'))`,
    );
  });

  it('ids that are not Salesforce ids never reach SOQL', async () => {
    await expect(crm.getOpportunity("006' OR Id != '", background)).rejects.toThrow(/Not a Salesforce id/);
    await expect(
      crm.listOpenCases({ accountId: "001SB0000000000001' OR ''='", limit: 1 }, background),
    ).rejects.toThrow(/Not a Salesforce id/);
    expect(fake.soql()).toEqual([]);
  });
});

describe('session handling', () => {
  it('refreshes an expired token once and retries the call', async () => {
    const backend = salesforceOn(fake);
    await backend.searchAccounts({ name: 'Acme', limit: 1 }, background);
    const before = fake.issuedTokens.length;
    fake.expireTokens();
    fake.clear();
    const page = await backend.searchAccounts({ name: 'Acme', limit: 1 }, background);
    expect(page.items).toHaveLength(1);
    expect(fake.issuedTokens.length).toBe(before + 1);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /services/data/v62.0/query',
      'POST /services/oauth2/token',
      'GET /services/data/v62.0/query',
    ]);
  });

  it('concurrent calls share one refresh', async () => {
    const backend = salesforceOn(fake);
    await backend.searchAccounts({ name: 'Acme', limit: 1 }, background);
    const before = fake.issuedTokens.length;
    fake.expireTokens();
    await Promise.all([1, 2, 3, 4].map(() => backend.findContacts({ name: 'Lee', limit: 1 }, background)));
    expect(fake.issuedTokens.length).toBe(before + 1);
  });

  it('gives up after one refresh when Salesforce keeps refusing the session', async () => {
    const backend = salesforceOn(fake);
    await backend.searchAccounts({ name: 'Acme', limit: 1 }, background);
    fake.failNext(
      /query/,
      401,
      [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
      5,
    );
    fake.clear();
    await expect(backend.searchAccounts({ name: 'Acme', limit: 1 }, background)).rejects.toMatchObject({
      code: 'UPSTREAM_AUTH_FAILED',
      retryable: true,
    });
    expect(fake.requests.filter((r) => r.path === '/services/oauth2/token')).toHaveLength(1);
    expect(fake.requests.filter((r) => r.path.endsWith('/query'))).toHaveLength(2);
  });

  it('authenticates with the JWT bearer flow (RS256 assertion verified by the org)', async () => {
    const keys = rsaKeyPair();
    const jwtOrg = await startFakeSalesforce({
      anchorDate: ANCHOR,
      jwtPublicKey: keys.publicKey,
      username: 'mcp@example.com',
    });
    try {
      const backend = new Backend({
        auth: {
          flow: 'jwt_bearer',
          loginUrl: jwtOrg.url,
          clientId: 'fake-client-id',
          username: 'mcp@example.com',
          privateKey: keys.privateKey,
          audience: jwtOrg.url,
        },
        apiVersion: '62.0',
        log: silentLog,
      });
      const page = await backend.searchAccounts({ name: 'Globex', limit: 5 }, background);
      expect(page.items.map((a) => a.name)).toEqual(['Globex Corporation', 'Globex Holdings']);
      const token = jwtOrg.requests.find((r) => r.path === '/services/oauth2/token');
      expect((token?.body as Record<string, string> | undefined)?.grant_type).toBe(
        'urn:ietf:params:oauth:grant-type:jwt-bearer',
      );
      expect(token?.body).not.toHaveProperty('client_secret');

      const wrongKey = new Backend({
        auth: {
          flow: 'jwt_bearer',
          loginUrl: jwtOrg.url,
          clientId: 'fake-client-id',
          username: 'mcp@example.com',
          privateKey: rsaKeyPair().privateKey,
          audience: jwtOrg.url,
        },
        apiVersion: '62.0',
        log: silentLog,
      });
      await expect(wrongKey.searchAccounts({ limit: 1 }, background)).rejects.toMatchObject({
        code: 'UPSTREAM_AUTH_FAILED',
        message: expect.stringContaining("refused the integration's credentials"),
      });
    } finally {
      await jwtOrg.close();
    }
  });

  it('sends only tokens the org issued: the Authorization header is always an org token', async () => {
    await crm.searchAccounts({ name: 'Acme', limit: 1 }, background);
    for (const r of fake.requests.filter((x) => x.path.startsWith('/services/data/'))) {
      expect(fake.issuedTokens.map((t) => `Bearer ${t}`)).toContain(r.authorization);
    }
  });
});

describe('error mapping', () => {
  it('REQUEST_LIMIT_EXCEEDED becomes a retryable RATE_LIMITED', async () => {
    fake.failNext(/query/, 403, [
      { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' },
    ]);
    await expect(crm.searchAccounts({ limit: 1 }, background)).rejects.toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
    });
  });

  it('NOT_FOUND on retrieve means the record does not exist', async () => {
    expect(await crm.describeRecord('003SB0000000099999', background)).toBeUndefined();
    const label = await crm.describeRecord('003SB0000000000001', background);
    expect(label).toMatchObject({ type: 'Contact', accountId: ACME });
    expect(fake.requests.at(-1)?.path).toBe('/services/data/v62.0/sobjects/Contact/003SB0000000000001');
  });

  it('INSUFFICIENT_ACCESS_OR_READONLY becomes PERMISSION_DENIED naming the object', async () => {
    fake.deny('Task', 'create');
    const related = (await crm.describeRecord(ACME, background))!;
    const error = await crm
      .logActivity({ relatedTo: related, subject: 'Call', type: 'Call', date: ANCHOR }, background)
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(error).toBeInstanceOf(ToolError);
    expect(error).toMatchObject({ code: 'PERMISSION_DENIED', details: { object: 'Task', action: 'create' } });
    expect((error as ToolError).message).toContain('Task');
  });

  it('validation errors from the org come back as VALIDATION_FAILED with the field named', async () => {
    fake.failNext(/sobjects\/Opportunity$/, 400, [
      {
        message: 'Close date must be in the future',
        errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
        fields: ['CloseDate'],
      },
    ]);
    await expect(
      crm.createOpportunity(
        { accountId: ACME, name: 'X', stage: 'Prospecting', closeDate: '2020-01-01' },
        background,
      ),
    ).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('Close date must be in the future'),
    });
  });

  it('a malformed query (our bug) is not dressed up as a domain error', async () => {
    fake.failNext(/query/, 400, [{ message: 'unexpected token', errorCode: 'MALFORMED_QUERY' }]);
    const error = await crm.searchAccounts({ limit: 1 }, background).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).not.toBeInstanceOf(ToolError);
  });
});

describe('writes', () => {
  it('logs a Task against an opportunity: POST sobjects/Task then reads it back', async () => {
    const related = (await crm.describeRecord('006SB0000000000001', background))!;
    fake.clear();
    const { id, activity } = await crm.logActivity(
      {
        relatedTo: related,
        subject: 'Pricing call',
        type: 'Call',
        date: ANCHOR,
        description: "Discussed 'discount'",
      },
      background,
    );
    const post = fake.requests.find((r) => r.method === 'POST');
    expect(post?.path).toBe('/services/data/v62.0/sobjects/Task');
    expect(post?.body).toEqual({
      Subject: 'Pricing call',
      Type: 'Call',
      Status: 'Completed',
      Priority: 'Normal',
      ActivityDate: ANCHOR,
      Description: "Discussed 'discount'",
      WhatId: '006SB0000000000001',
    });
    expect(activity).toMatchObject({
      id,
      subject: 'Pricing call',
      status: 'Completed',
      relatedToId: '006SB0000000000001',
    });
  });

  it('logging against a contact sets WhoId and the contact account as WhatId', async () => {
    const related = (await crm.describeRecord('003SB0000000000001', background))!;
    fake.clear();
    await crm.logActivity({ relatedTo: related, subject: 'Intro', type: 'Email', date: ANCHOR }, background);
    expect(fake.requests.find((r) => r.method === 'POST')?.body).toMatchObject({
      WhoId: '003SB0000000000001',
      WhatId: ACME,
    });
  });

  it('updates stage and next step with PATCH (204) and returns the record after', async () => {
    const after = await crm.updateOpportunityStage(
      {
        opportunityId: '006SB0000000000002',
        stage: 'Negotiation/Review',
        nextStep: 'Send MSA',
      },
      background,
    );
    const patch = fake.requests.find((r) => r.method === 'PATCH');
    expect(patch?.path).toBe('/services/data/v62.0/sobjects/Opportunity/006SB0000000000002');
    expect(patch?.body).toEqual({ StageName: 'Negotiation/Review', NextStep: 'Send MSA' });
    expect(after).toMatchObject({ stage: 'Negotiation/Review', nextStep: 'Send MSA', probability: 90 });
  });

  it('creates an opportunity (201 {id, success, errors}) and reads it back', async () => {
    const created = await crm.createOpportunity(
      {
        accountId: ACME,
        name: 'Acme — 2027 renewal',
        stage: 'Prospecting',
        closeDate: '2027-03-31',
        amount: 120000,
      },
      background,
    );
    expect(created).toMatchObject({
      name: 'Acme — 2027 renewal',
      accountName: 'Acme Corporation',
      amount: 120000,
      isClosed: false,
    });
    expect(created.id.startsWith('006')).toBe(true);
  });
});

describe('API usage metric', () => {
  it('reports used/limit from the Sforce-Limit-Info header', async () => {
    const seen: Array<[number, number]> = [];
    const backend = salesforceOn(fake, { onApiUsage: (used, limit) => seen.push([used, limit]) });
    fake.apiUsage.used = 1200;
    await backend.searchAccounts({ name: 'Acme', limit: 1 }, background);
    expect(seen.at(-1)).toEqual([fake.apiUsage.used, 15_000]);
    expect(fake.apiUsage.used).toBeGreaterThan(1200);
  });
});
