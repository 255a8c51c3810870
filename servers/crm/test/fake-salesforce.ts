/**
 * A fake Salesforce org at the edge of the world, on test-support's fake-upstream harness (real HTTP
 * on 127.0.0.1, request recording, scripted failures, hung requests, in-flight visibility, expiring
 * tokens). It speaks the real REST wire format: the OAuth token endpoint (client credentials and JWT
 * bearer, the assertion's RS256 signature verified), `query` and `queryMore` through
 * `nextRecordsUrl`, sobject retrieve/create/update, error arrays `[{message, errorCode, fields}]`,
 * 401 INVALID_SESSION_ID for an expired token and the `Sforce-Limit-Info` header. Every SOQL query
 * is parsed (fake-soql.ts) and recorded, so tests assert the exact SOQL received.
 */
import { createVerify } from 'node:crypto';
import {
  type FakeRequest,
  type FakeResponse,
  type FakeUpstream,
  startFakeUpstream,
} from '@mcp-platform/test-support';
import { seedRows } from '../src/backends/sandbox-seed.ts';
import { STAGE_PROBABILITY } from '../src/model.ts';
import { MalformedQuery, matches, parse, sortRecords } from './fake-soql.ts';

export interface RecordedRequest {
  method: string;
  path: string;
  /** Decoded `q` of a query request. */
  soql?: string;
  authorization?: string;
  body?: unknown;
}

type SfRecord = Record<string, unknown>;
type SfError = { message: string; errorCode: string; fields?: string[] };

export interface FakeSalesforceOptions {
  clientId?: string;
  clientSecret?: string;
  /** PEM public key that verifies JWT bearer assertions. */
  jwtPublicKey?: string;
  username?: string;
  apiVersion?: string;
  /** Records per query response page; smaller than a result forces `nextRecordsUrl`. */
  batchSize?: number;
  /** Data set: the sandbox seed for this anchor date (the same demo org as the sandbox backend). */
  anchorDate?: string;
  apiLimit?: number;
}

export interface FakeSalesforce {
  url: string;
  /** The harness underneath: `inFlight` / `waitForInFlight` show requests still running. */
  upstream: FakeUpstream;
  /** Every request received, in order (token requests included). */
  readonly requests: RecordedRequest[];
  /** SOQL of every query received, in order. */
  soql(): string[];
  tables: Record<string, SfRecord[]>;
  /** Tokens the token endpoint issued, in order. */
  readonly issuedTokens: readonly string[];
  /** Makes every token issued so far invalid (the next API call answers 401 INVALID_SESSION_ID). */
  expireTokens(): void;
  /** The next `count` API calls whose path matches fail with `status` and this error array. */
  failNext(match: RegExp, status: number, errors: SfError[], count?: number): void;
  /** API calls whose path matches are held open and never answered (a stuck org), until `reset()`. */
  hang(match: RegExp): void;
  /** Refuse `action` on `object` for the integration user (INSUFFICIENT_ACCESS_OR_READONLY). */
  deny(object: string, action: 'read' | 'create' | 'edit'): void;
  apiUsage: { used: number; limit: number };
  batchSize: number;
  /** Forgets recorded requests. */
  clear(): void;
  /** Forgets recorded requests, pending failures, hangs and denials; batch size back to 2000. */
  reset(): void;
  close(): Promise<void>;
}

const ORG_ID = '00DSB0000000001AAA';
const USER_ID = '005SB0000000000000';

function sobjects(anchorDate: string): Record<string, SfRecord[]> {
  const rows = seedRows(anchorDate, 20_261);
  const dt = (v: unknown) => (v ? new Date(String(v)).toISOString().replace('Z', '+0000') : null);
  return {
    User: rows.users.map((u) => ({ Id: u.id, Name: u.name })),
    Account: rows.accounts.map((a) => ({
      Id: a.id,
      Name: a.name,
      Industry: a.industry,
      Type: a.type,
      OwnerId: a.owner_id,
      BillingCity: a.billing_city,
      BillingCountry: a.billing_country,
      AnnualRevenue: a.annual_revenue,
      NumberOfEmployees: a.employees,
      Website: a.website,
      Phone: a.phone,
      Description: a.description,
    })),
    Contact: rows.contacts.map((c) => ({
      Id: c.id,
      AccountId: c.account_id,
      FirstName: c.first_name,
      LastName: c.last_name,
      Title: c.title,
      Email: c.email,
      Phone: c.phone,
      LastActivityDate: c.last_activity_date,
    })),
    Opportunity: rows.opportunities.map((o) => ({
      Id: o.id,
      AccountId: o.account_id,
      Name: o.name,
      StageName: o.stage,
      Amount: o.amount,
      CloseDate: o.close_date,
      Probability: o.probability,
      OwnerId: o.owner_id,
      NextStep: o.next_step,
      Type: o.type,
      LeadSource: o.lead_source,
      ForecastCategoryName: o.forecast_category,
      Description: o.description,
      IsClosed: o.is_closed,
      IsWon: o.is_won,
      CreatedDate: dt(o.created_at),
      LastModifiedDate: dt(o.updated_at),
    })),
    Case: rows.cases.map((k) => ({
      Id: k.id,
      CaseNumber: k.case_number,
      AccountId: k.account_id,
      ContactId: k.contact_id,
      Subject: k.subject,
      Status: k.status,
      Priority: k.priority,
      Origin: k.origin,
      IsClosed: k.is_closed,
      CreatedDate: dt(k.created_at),
    })),
    Task: rows.tasks.map((t) => ({
      Id: t.id,
      AccountId: t.account_id,
      WhatId: t.what_id,
      WhoId: t.who_id,
      Subject: t.subject,
      Type: t.type,
      Status: t.status,
      ActivityDate: t.activity_date,
      OwnerId: t.owner_id,
      Description: t.description,
    })),
    Contract: rows.contracts.map((k) => ({
      Id: k.id,
      ContractNumber: k.contract_number,
      AccountId: k.account_id,
      Status: k.status,
      StartDate: k.start_date,
      EndDate: k.end_date,
      ContractTerm: k.term_months,
      OwnerId: k.owner_id,
    })),
  };
}

const PREFIX: Record<string, string> = {
  Task: '00T',
  Opportunity: '006',
  Account: '001',
  Contact: '003',
  Case: '500',
  Contract: '800',
};

function recorded(request: FakeRequest): RecordedRequest {
  const out: RecordedRequest = { method: request.method, path: request.path };
  if (request.path.endsWith('/query') && request.query.q !== undefined) out.soql = request.query.q;
  const authorization = request.headers.authorization;
  if (authorization !== undefined) out.authorization = authorization;
  if (request.body !== '') out.body = request.json ?? request.body;
  return out;
}

export async function startFakeSalesforce(options: FakeSalesforceOptions = {}): Promise<FakeSalesforce> {
  const clientId = options.clientId ?? 'fake-client-id';
  const clientSecret = options.clientSecret ?? 'fake-client-secret';
  const apiVersion = options.apiVersion ?? '62.0';
  const denied = new Set<string>();
  const cursors = new Map<string, { records: SfRecord[]; offset: number; object: string }>();
  let cursorN = 0;
  let createdN = 0;
  const tables = sobjects(options.anchorDate ?? new Date().toISOString().slice(0, 10));
  // Token responses carry the org's instance URL and identity URL, known once the server listens.
  const tokenFields: Record<string, unknown> = { token_type: 'Bearer' };
  let base = '';

  /** A JWT bearer assertion is good when its RS256 signature verifies and iss/sub/aud/exp fit. */
  const verifyAssertion = (assertion: string): boolean => {
    const [header, claims, signature] = assertion.split('.');
    if (!header || !claims || !signature || !options.jwtPublicKey) return false;
    const verified = createVerify('RSA-SHA256')
      .update(`${header}.${claims}`)
      .verify(options.jwtPublicKey, Buffer.from(signature, 'base64url'));
    const c = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>;
    return (
      verified &&
      c.iss === clientId &&
      c.sub === options.username &&
      c.aud === base &&
      Number(c.exp) * 1000 >= Date.now()
    );
  };

  const upstream = await startFakeUpstream({
    oauth: {
      path: '/services/oauth2/token',
      clientId,
      clientSecret,
      fields: tokenFields,
      verifyAssertion,
      unauthorized: {
        status: 401,
        body: [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }],
      },
    },
  });
  base = upstream.url;
  tokenFields.instance_url = base;
  tokenFields.id = `${base}/id/${ORG_ID}/${USER_ID}`;

  const byId = (object: string, id: unknown): SfRecord | undefined =>
    typeof id === 'string' ? tables[object]?.find((r) => r.Id === id) : undefined;

  // Field values, relationship paths resolved through <Rel>Id (Owner → User), compound Name on Contact.
  const get =
    (object: string) =>
    (record: SfRecord, field: string): unknown => {
      const parts = field.split('.');
      if (parts.length === 1) {
        if (object === 'Contact' && field === 'Name')
          return [record.FirstName, record.LastName].filter(Boolean).join(' ');
        return record[field] ?? null;
      }
      const [rel, ...rest] = parts;
      const target = rel === 'Owner' ? 'User' : rel!;
      const related = byId(target, record[`${rel}Id`]);
      return related ? get(target)(related, rest.join('.')) : null;
    };

  const project = (object: string, record: SfRecord, fields: string[]): SfRecord => {
    const out: SfRecord = {
      attributes: { type: object, url: `/services/data/v${apiVersion}/sobjects/${object}/${record.Id}` },
    };
    for (const field of fields) {
      const parts = field.split('.');
      if (parts.length === 1) {
        out[field] = get(object)(record, field);
        continue;
      }
      // Relationship fields come back nested: { Account: { attributes, Name } } or null.
      const [rel, leaf] = parts as [string, string];
      const target = rel === 'Owner' ? 'User' : rel;
      const related = byId(target, record[`${rel}Id`]);
      if (!related) {
        out[rel] = null;
        continue;
      }
      const nested = (out[rel] as SfRecord | undefined) ?? {
        attributes: { type: target, url: `/services/data/v${apiVersion}/sobjects/${target}/${related.Id}` },
      };
      nested[leaf] = get(target)(related, leaf);
      out[rel] = nested;
    }
    return out;
  };

  const limitHeader = () => {
    fake.apiUsage.used++;
    return { 'sforce-limit-info': `api-usage=${fake.apiUsage.used}/${fake.apiUsage.limit}` };
  };

  const ok = (body: unknown, status = 200): FakeResponse => ({ status, body, headers: limitHeader() });
  const error = (status: number, errorCode: string, message: string, fields: string[] = []): FakeResponse =>
    ok([{ message, errorCode, fields }], status);
  const notFound = () => error(404, 'NOT_FOUND', 'The requested resource does not exist');

  const queryPage = (id: string): FakeResponse => {
    const cursor = cursors.get(id);
    if (!cursor) return error(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const records = cursor.records.slice(cursor.offset, cursor.offset + fake.batchSize);
    cursor.offset += records.length;
    const done = cursor.offset >= cursor.records.length;
    if (done) cursors.delete(id);
    return ok({
      totalSize: cursor.records.length,
      done,
      ...(done ? {} : { nextRecordsUrl: `/services/data/v${apiVersion}/query/${id}-${cursor.offset}` }),
      records,
    });
  };

  const runQuery = (soql: string): FakeResponse => {
    let q: ReturnType<typeof parse>;
    try {
      q = parse(soql);
    } catch (e) {
      if (e instanceof MalformedQuery) return error(400, 'MALFORMED_QUERY', e.message);
      throw e;
    }
    const table = tables[q.object];
    if (!table || denied.has(`read:${q.object}`))
      return error(400, 'INVALID_TYPE', `sObject type '${q.object}' is not supported.`);
    if (q.offset !== undefined && q.offset > 2000)
      return error(400, 'NUMBER_OUTSIDE_VALID_RANGE', 'Maximum SOQL offset allowed is 2000');
    const getter = get(q.object);
    let rows = table.filter((r) => matches(q.where, r, getter));
    rows = sortRecords(rows, q.orderBy, getter);
    if (q.offset !== undefined) rows = rows.slice(q.offset);
    if (q.limit !== undefined) rows = rows.slice(0, q.limit);
    const id = `01gSB${String(++cursorN).padStart(10, '0')}`;
    cursors.set(id, {
      records: rows.map((r) => project(q.object, r, q.fields)),
      offset: 0,
      object: q.object,
    });
    return queryPage(id);
  };

  const derive = (object: string, record: SfRecord) => {
    if (object === 'Opportunity' && typeof record.StageName === 'string') {
      record.IsClosed = record.StageName.startsWith('Closed');
      record.IsWon = record.StageName === 'Closed Won';
      record.Probability =
        STAGE_PROBABILITY[record.StageName as keyof typeof STAGE_PROBABILITY] ?? record.Probability;
      record.LastModifiedDate = new Date().toISOString().replace('Z', '+0000');
    }
    if (object === 'Task') {
      const what = String(record.WhatId ?? '');
      const who = byId('Contact', record.WhoId);
      record.AccountId = what.startsWith('001')
        ? what
        : what.startsWith('006')
          ? (byId('Opportunity', what)?.AccountId ?? null)
          : (who?.AccountId ?? null);
    }
  };

  const retrieve = (object: string, id: string, request: FakeRequest): FakeResponse => {
    if (denied.has(`read:${object}`))
      return error(403, 'INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id');
    const record = byId(object, id);
    if (!record) return notFound();
    const fields = request.query.fields?.split(',') ?? Object.keys(record);
    return ok(project(object, record, fields));
  };

  const create = (object: string, body: SfRecord): FakeResponse => {
    if (denied.has(`create:${object}`))
      return error(
        400,
        'INSUFFICIENT_ACCESS_OR_READONLY',
        'insufficient access rights on cross-reference id',
      );
    const required = object === 'Opportunity' ? ['Name', 'StageName', 'CloseDate'] : [];
    const missing = required.filter((f) => body[f] === undefined || body[f] === null || body[f] === '');
    if (missing.length)
      return error(
        400,
        'REQUIRED_FIELD_MISSING',
        `Required fields are missing: [${missing.join(', ')}]`,
        missing,
      );
    const newId = `${PREFIX[object] ?? '0XX'}FK${String(++createdN).padStart(13, '0')}`;
    const record: SfRecord = {
      ...body,
      Id: newId,
      OwnerId: USER_ID,
      CreatedDate: new Date().toISOString().replace('Z', '+0000'),
    };
    derive(object, record);
    tables[object]!.push(record);
    return ok({ id: newId, success: true, errors: [] }, 201);
  };

  const update = (object: string, id: string, body: SfRecord): FakeResponse => {
    if (denied.has(`edit:${object}`))
      return error(400, 'INSUFFICIENT_ACCESS_OR_READONLY', 'insufficient access rights on object id');
    const record = byId(object, id);
    if (!record) return notFound();
    Object.assign(record, body);
    derive(object, record);
    return { status: 204, headers: limitHeader() };
  };

  /** The REST API under `/services/data/v<version>/` (the harness has checked the bearer token). */
  const api = (request: FakeRequest): FakeResponse => {
    const match = /^\/services\/data\/v(\d+\.\d)\/(.*)$/.exec(request.path);
    if (!match || match[1] !== apiVersion) return notFound();
    const rest = match[2]!;
    const { method } = request;
    if (method === 'GET' && rest === 'query') return runQuery(request.query.q ?? '');
    const more = /^query\/(01gSB\d{10})-\d+$/.exec(rest);
    if (method === 'GET' && more) return queryPage(more[1]!);
    const sobject = /^sobjects\/([A-Za-z]+)(?:\/([A-Za-z0-9]{15,18}))?$/.exec(rest);
    if (!sobject || !tables[sobject[1]!]) return notFound();
    const [, object, id] = sobject as unknown as [string, string, string | undefined];
    if (method === 'GET' && id) return retrieve(object, id, request);
    if (method === 'POST' && !id) return create(object, request.json as SfRecord);
    if (method === 'PATCH' && id) return update(object, id, request.json as SfRecord);
    return error(405, 'METHOD_NOT_ALLOWED', `HTTP Method '${method}' not allowed`);
  };

  for (const method of ['GET', 'POST', 'PATCH', 'PUT', 'DELETE']) {
    upstream.route(method, /.*/, () => ({
      status: 404,
      body: [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }],
    }));
    upstream.route(method, /^\/services\/data\//, api);
  }

  const fake: FakeSalesforce = {
    url: base,
    upstream,
    get requests() {
      return upstream.requests.map(recorded);
    },
    soql: () => upstream.requests.flatMap((r) => recorded(r).soql ?? []),
    tables,
    get issuedTokens() {
      return upstream.issuedTokens;
    },
    expireTokens: () => upstream.expireTokens(),
    failNext: (match, status, errors, count = 1) =>
      // A getter: each failed response carries the org's API usage at the time it is sent.
      upstream.failNext(
        match,
        {
          status,
          body: errors,
          get headers() {
            return limitHeader();
          },
        },
        count,
      ),
    hang: (match) => upstream.hang(match),
    deny: (object, action) => denied.add(`${action}:${object}`),
    apiUsage: { used: 0, limit: options.apiLimit ?? 15_000 },
    batchSize: options.batchSize ?? 2000,
    clear: () => {
      upstream.requests.length = 0;
    },
    reset: () => {
      upstream.reset();
      denied.clear();
      fake.batchSize = 2000;
    },
    close: () => upstream.close(),
  };
  return fake;
}
