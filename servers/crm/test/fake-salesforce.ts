/**
 * A fake Salesforce org on 127.0.0.1 speaking the real REST wire format: the OAuth token endpoint
 * (client credentials and JWT bearer, the assertion's RS256 signature verified), `query` and
 * `queryMore` through `nextRecordsUrl`, sobject retrieve/create/update, error arrays
 * `[{message, errorCode, fields}]`, an expiring token (401 INVALID_SESSION_ID) and the
 * `Sforce-Limit-Info` header. It records every request, so tests assert the exact SOQL received.
 */
import { createVerify, randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
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
  readonly requests: RecordedRequest[];
  /** SOQL of every query received, in order. */
  soql(): string[];
  tables: Record<string, SfRecord[]>;
  /** Tokens the token endpoint issued, in order. */
  readonly issuedTokens: string[];
  /** Makes every token issued so far invalid (the next API call answers 401 INVALID_SESSION_ID). */
  expireTokens(): void;
  /** The next `count` API calls whose path matches fail with `status` and this error array. */
  failNext(
    match: RegExp,
    status: number,
    errors: Array<{ message: string; errorCode: string; fields?: string[] }>,
    count?: number,
  ): void;
  /** API calls whose path matches are held open and never answered (a stuck org), until `reset()`. */
  hang(match: RegExp): void;
  /** Held requests whose client has not closed the connection yet. */
  readonly hanging: number;
  /** Refuse `action` on `object` for the integration user (INSUFFICIENT_ACCESS_OR_READONLY). */
  deny(object: string, action: 'read' | 'create' | 'edit'): void;
  apiUsage: { used: number; limit: number };
  batchSize: number;
  /** Forgets recorded requests. */
  clear(): void;
  /** Forgets recorded requests, pending failures and denials; batch size back to 2000. */
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

export async function startFakeSalesforce(options: FakeSalesforceOptions = {}): Promise<FakeSalesforce> {
  const clientId = options.clientId ?? 'fake-client-id';
  const clientSecret = options.clientSecret ?? 'fake-client-secret';
  const apiVersion = options.apiVersion ?? '62.0';
  const requests: RecordedRequest[] = [];
  const issuedTokens: string[] = [];
  const validTokens = new Set<string>();
  const failures: Array<{ match: RegExp; status: number; errors: unknown[]; count: number }> = [];
  const denied = new Set<string>();
  const cursors = new Map<string, { records: SfRecord[]; offset: number; object: string }>();
  let cursorN = 0;
  let createdN = 0;
  const tables = sobjects(options.anchorDate ?? new Date().toISOString().slice(0, 10));
  let base = '';

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

  const send = (
    res: http.ServerResponse,
    status: number,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    res.writeHead(status, {
      ...(body === undefined ? {} : { 'content-type': 'application/json;charset=UTF-8' }),
      ...headers,
    });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const error = (
    res: http.ServerResponse,
    status: number,
    errorCode: string,
    message: string,
    fields: string[] = [],
  ) => send(res, status, [{ message, errorCode, fields }], limitHeader());

  const issue = (): string => {
    const token = `00DSB!${randomBytes(24).toString('base64url')}`;
    issuedTokens.push(token);
    validTokens.add(token);
    return token;
  };

  const tokenEndpoint = (params: URLSearchParams, res: http.ServerResponse) => {
    const grant = params.get('grant_type');
    const ok = () =>
      send(res, 200, {
        access_token: issue(),
        instance_url: base,
        id: `${base}/id/${ORG_ID}/${USER_ID}`,
        token_type: 'Bearer',
        issued_at: String(Date.now()),
        signature: randomBytes(16).toString('base64'),
      });
    if (grant === 'client_credentials') {
      if (params.get('client_id') !== clientId || params.get('client_secret') !== clientSecret) {
        return send(res, 400, { error: 'invalid_client', error_description: 'invalid client credentials' });
      }
      return ok();
    }
    if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer') {
      const [header, claims, signature] = (params.get('assertion') ?? '').split('.');
      if (!header || !claims || !signature || !options.jwtPublicKey) {
        return send(res, 400, { error: 'invalid_grant', error_description: 'invalid assertion' });
      }
      const verified = createVerify('RSA-SHA256')
        .update(`${header}.${claims}`)
        .verify(options.jwtPublicKey, Buffer.from(signature, 'base64url'));
      const c = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>;
      if (
        !verified ||
        c.iss !== clientId ||
        c.sub !== options.username ||
        c.aud !== base ||
        Number(c.exp) * 1000 < Date.now()
      ) {
        return send(res, 400, {
          error: 'invalid_grant',
          error_description: "user hasn't approved this consumer",
        });
      }
      return ok();
    }
    return send(res, 400, { error: 'unsupported_grant_type', error_description: 'grant type not supported' });
  };

  const queryPage = (res: http.ServerResponse, id: string) => {
    const cursor = cursors.get(id);
    if (!cursor) return error(res, 400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    const records = cursor.records.slice(cursor.offset, cursor.offset + fake.batchSize);
    cursor.offset += records.length;
    const done = cursor.offset >= cursor.records.length;
    if (done) cursors.delete(id);
    return send(
      res,
      200,
      {
        totalSize: cursor.records.length,
        done,
        ...(done ? {} : { nextRecordsUrl: `/services/data/v${apiVersion}/query/${id}-${cursor.offset}` }),
        records,
      },
      limitHeader(),
    );
  };

  const runQuery = (res: http.ServerResponse, soql: string) => {
    let q: ReturnType<typeof parse>;
    try {
      q = parse(soql);
    } catch (e) {
      if (e instanceof MalformedQuery) return error(res, 400, 'MALFORMED_QUERY', e.message);
      throw e;
    }
    const table = tables[q.object];
    if (!table) return error(res, 400, 'INVALID_TYPE', `sObject type '${q.object}' is not supported.`);
    if (denied.has(`read:${q.object}`))
      return error(res, 400, 'INVALID_TYPE', `sObject type '${q.object}' is not supported.`);
    if (q.offset !== undefined && q.offset > 2000)
      return error(res, 400, 'NUMBER_OUTSIDE_VALID_RANGE', 'Maximum SOQL offset allowed is 2000');
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
    return queryPage(res, id);
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

  const hangs: RegExp[] = [];
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk) => {
      raw += chunk;
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', base);
      const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname };
      if (req.headers.authorization) recorded.authorization = req.headers.authorization;
      if (url.pathname.endsWith('/query') && url.searchParams.has('q'))
        recorded.soql = url.searchParams.get('q') ?? '';
      if (raw) {
        try {
          recorded.body = req.headers['content-type']?.includes('json')
            ? JSON.parse(raw)
            : Object.fromEntries(new URLSearchParams(raw));
        } catch {
          recorded.body = raw;
        }
      }
      requests.push(recorded);
      if (hangs.some((h) => h.test(url.pathname))) {
        held.add(res);
        res.once('close', () => held.delete(res));
        return;
      }

      if (req.method === 'POST' && url.pathname === '/services/oauth2/token')
        return tokenEndpoint(new URLSearchParams(raw), res);

      const api = /^\/services\/data\/v(\d+\.\d)\/(.*)$/.exec(url.pathname);
      if (!api)
        return send(res, 404, [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
      const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
      if (!validTokens.has(token)) {
        return send(res, 401, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
      }
      if (api[1] !== apiVersion) return error(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
      const failure = failures.find((f) => f.match.test(`${req.method} ${url.pathname}${url.search}`));
      if (failure) {
        if (--failure.count <= 0) failures.splice(failures.indexOf(failure), 1);
        return send(res, failure.status, failure.errors, limitHeader());
      }
      const rest = api[2]!;
      if (req.method === 'GET' && rest === 'query') return runQuery(res, url.searchParams.get('q') ?? '');
      const more = /^query\/(01gSB\d{10})-\d+$/.exec(rest);
      if (req.method === 'GET' && more) return queryPage(res, more[1]!);
      const sobject = /^sobjects\/([A-Za-z]+)(?:\/([A-Za-z0-9]{15,18}))?$/.exec(rest);
      if (!sobject) return error(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
      const [, object, id] = sobject as unknown as [string, string, string | undefined];
      const table = tables[object];
      if (!table) return error(res, 404, 'NOT_FOUND', `The requested resource does not exist`);
      if (req.method === 'GET' && id) {
        if (denied.has(`read:${object}`))
          return error(
            res,
            403,
            'INSUFFICIENT_ACCESS_OR_READONLY',
            'insufficient access rights on object id',
          );
        const record = byId(object, id);
        if (!record) return error(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
        const fields = url.searchParams.get('fields')?.split(',') ?? Object.keys(record);
        return send(res, 200, project(object, record, fields), limitHeader());
      }
      if (req.method === 'POST' && !id) {
        if (denied.has(`create:${object}`)) {
          return error(
            res,
            400,
            'INSUFFICIENT_ACCESS_OR_READONLY',
            'insufficient access rights on cross-reference id',
          );
        }
        const body = recorded.body as SfRecord;
        const required = object === 'Opportunity' ? ['Name', 'StageName', 'CloseDate'] : [];
        const missing = required.filter((f) => body[f] === undefined || body[f] === null || body[f] === '');
        if (missing.length)
          return error(
            res,
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
        table.push(record);
        return send(res, 201, { id: newId, success: true, errors: [] }, limitHeader());
      }
      if (req.method === 'PATCH' && id) {
        if (denied.has(`edit:${object}`))
          return error(
            res,
            400,
            'INSUFFICIENT_ACCESS_OR_READONLY',
            'insufficient access rights on object id',
          );
        const record = byId(object, id);
        if (!record) return error(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
        Object.assign(record, recorded.body as SfRecord);
        derive(object, record);
        res.writeHead(204, limitHeader());
        return res.end();
      }
      return error(res, 405, 'METHOD_NOT_ALLOWED', `HTTP Method '${req.method}' not allowed`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const fake: FakeSalesforce = {
    url: base,
    requests,
    soql: () => requests.flatMap((r) => (r.soql === undefined ? [] : [r.soql])),
    tables,
    issuedTokens,
    expireTokens: () => validTokens.clear(),
    failNext: (match, status, errors, count = 1) => failures.push({ match, status, errors, count }),
    hang: (match) => hangs.push(match),
    get hanging() {
      return held.size;
    },
    deny: (object, action) => denied.add(`${action}:${object}`),
    apiUsage: { used: 0, limit: options.apiLimit ?? 15_000 },
    batchSize: options.batchSize ?? 2000,
    clear: () => {
      requests.length = 0;
    },
    reset: () => {
      requests.length = 0;
      failures.length = 0;
      denied.clear();
      hangs.length = 0;
      for (const res of held) res.destroy();
      fake.batchSize = 2000;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return fake;
}
