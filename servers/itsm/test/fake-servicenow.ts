/**
 * A fake ServiceNow instance at the edge of the world: real HTTP on 127.0.0.1 (the kit's fake-upstream
 * harness), `/oauth_token.do` with expiring tokens, the Table API (list/get/create/update with
 * `sysparm_query`, `sysparm_fields`, `sysparm_limit`, `sysparm_offset`, `sysparm_display_value`,
 * `sysparm_exclude_reference_link`), `X-Total-Count` and `Link` headers, the Aggregate API, the
 * `{result}` and `{error:{message,detail},status:"failure"}` bodies, ACL refusals, rate-limit headers
 * and a hibernating mode. It holds the same demo rows as the sandbox, and PARSES every query with
 * ServiceNow's rules — silently ignoring invalid parts as the real instance does — recording each.
 */
import { randomBytes } from 'node:crypto';
import {
  type FakeRequest,
  type FakeResponse,
  type FakeUpstream,
  startFakeUpstream,
} from '@mcp-platform/test-support';
import { SEED_TABLES, type SeedTables, seedTables } from '../src/backends/sandbox-seed.ts';
import {
  CHANGE_RISKS,
  CHANGE_STATES,
  derivePriority,
  INCIDENT_STATES,
  LEVELS,
  PRIORITIES,
} from '../src/model.ts';
import { evaluate, type ParsedQuery, parseEncodedQuery, type Row } from './fake-encoded-query.ts';

/** Reference fields: which table they point to and which of its fields is the display value. */
const REFERENCES: Record<string, Record<string, { table: string; display: string }>> = {
  incident: {
    assignment_group: { table: 'sys_user_group', display: 'name' },
    assigned_to: { table: 'sys_user', display: 'name' },
    opened_by: { table: 'sys_user', display: 'name' },
    cmdb_ci: { table: 'cmdb_ci', display: 'name' },
    business_service: { table: 'cmdb_ci', display: 'name' },
    problem_id: { table: 'problem', display: 'number' },
    caused_by: { table: 'change_request', display: 'number' },
  },
  change_request: {
    cmdb_ci: { table: 'cmdb_ci', display: 'name' },
    business_service: { table: 'cmdb_ci', display: 'name' },
    assignment_group: { table: 'sys_user_group', display: 'name' },
    requested_by: { table: 'sys_user', display: 'name' },
  },
  cmdb_ci: {
    support_group: { table: 'sys_user_group', display: 'name' },
    managed_by_group: { table: 'sys_user_group', display: 'name' },
  },
  cmdb_rel_ci: {
    parent: { table: 'cmdb_ci', display: 'name' },
    child: { table: 'cmdb_ci', display: 'name' },
  },
  task_sla: {
    sla: { table: 'contract_sla', display: 'name' },
    task: { table: 'incident', display: 'number' },
  },
};
const CHOICES: Record<string, Record<string, Record<string, string>>> = {
  incident: { state: INCIDENT_STATES, priority: PRIORITIES, impact: LEVELS, urgency: LEVELS },
  change_request: { state: CHANGE_STATES, risk: CHANGE_RISKS, impact: LEVELS },
  cmdb_ci: { operational_status: { '1': 'Operational', '2': 'Non-Operational' } },
};
/** Journal fields: written through the record, stored in sys_journal_field. */
const JOURNAL_FIELDS = ['work_notes', 'comments'];
const INTEGRATION_USER = 'mcp.integration';

export interface RecordedQuery {
  table: string;
  query: string;
  parsed: ParsedQuery;
}

export interface FakeServiceNow {
  url: string;
  upstream: FakeUpstream;
  tables: SeedTables;
  /** Every `sysparm_query` received (lists, gets and stats), parsed. */
  queries: RecordedQuery[];
  /** Field names sent in writes that the table does not have (the real instance ignores them). */
  ignoredWriteFields: string[];
  /** Tables whose ACLs refuse the integration user (403). */
  deny: Set<string>;
  /** When set, every API answer is the hibernation page. */
  hibernating: boolean;
  close(): Promise<void>;
}

export interface FakeServiceNowOptions {
  anchorDate: string;
  seed: number;
  clientId?: string;
  clientSecret?: string;
  /** Token lifetime in seconds (default 1800). */
  expiresIn?: number;
  /** Sends X-RateLimit-* headers with this limit per hour. */
  rateLimit?: number;
}

const now = () => new Date().toISOString().slice(0, 19).replace('T', ' ');

function failure(status: number, message: string, detail: string): FakeResponse {
  return { status, body: { error: { message, detail }, status: 'failure' } };
}

export async function startFakeServiceNow(options: FakeServiceNowOptions): Promise<FakeServiceNow> {
  const upstream = await startFakeUpstream({
    oauth: {
      path: '/oauth_token.do',
      clientId: options.clientId ?? 'itsm-client',
      clientSecret: options.clientSecret ?? 'itsm-secret',
      expiresIn: options.expiresIn ?? 1800,
    },
  });
  const tables = seedTables(options.anchorDate, options.seed);
  const fields = new Map<string, Set<string>>();
  for (const table of SEED_TABLES) {
    fields.set(table, new Set(['sys_id', ...Object.keys(tables[table][0] ?? {})]));
  }
  // Columns every task table has even when the seed leaves them empty.
  for (const f of ['sys_created_on', 'sys_updated_on', 'active']) fields.get('change_request')!.add(f);
  const counters = { incident: 20_001, change_request: 31_001 };
  let remaining = options.rateLimit ?? 0;

  const fake: FakeServiceNow = {
    url: upstream.url,
    upstream,
    tables,
    queries: [],
    ignoredWriteFields: [],
    deny: new Set(),
    hibernating: false,
    close: () => upstream.close(),
  };

  const rowsOf = (table: string): Row[] | undefined => (tables as Record<string, Row[]>)[table];
  const byId = (table: string, id: string) => rowsOf(table)?.find((r) => r.sys_id === id);

  const present = (table: string, row: Row, request: FakeRequest): Record<string, unknown> => {
    const wanted = request.query.sysparm_fields ? request.query.sysparm_fields.split(',') : Object.keys(row);
    const mode = request.query.sysparm_display_value ?? 'false';
    const links = request.query.sysparm_exclude_reference_link !== 'true';
    const out: Record<string, unknown> = {};
    for (const field of wanted) {
      if (!fields.get(table)?.has(field)) continue;
      const value = row[field] ?? '';
      const ref = REFERENCES[table]?.[field];
      let display = value;
      if (ref && value) display = byId(ref.table, value)?.[ref.display] ?? '';
      else if (CHOICES[table]?.[field]?.[value]) display = CHOICES[table]![field]![value]!;
      const link =
        ref && value && links ? { link: `${upstream.url}/api/now/table/${ref.table}/${value}` } : {};
      if (mode === 'all') out[field] = { value, display_value: display, ...link };
      else if (mode === 'true') out[field] = ref ? { display_value: display, ...link } : display;
      else out[field] = ref && value ? { value, ...link } : value;
    }
    return out;
  };

  const guard = (table: string): FakeResponse | undefined => {
    if (fake.hibernating) {
      return {
        status: 200,
        headers: { 'content-type': 'text/html' },
        body: '<html><body>Your instance is hibernating. Sign in to wake it up.</body></html>',
      };
    }
    if (!rowsOf(table)) return failure(400, 'Invalid table', `Invalid table ${table}`);
    if (fake.deny.has(table))
      return failure(
        403,
        'User Not Authorized',
        `ACL Exception Read failed due to security constraints on ${table}`,
      );
    return undefined;
  };

  const rateHeaders = (): Record<string, string> => {
    if (!options.rateLimit) return {};
    remaining = Math.max(0, remaining - 1);
    return {
      'x-ratelimit-limit': String(options.rateLimit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': '3600',
    };
  };

  const select = (table: string, request: FakeRequest): Row[] => {
    const query = request.query.sysparm_query ?? '';
    const parsed = parseEncodedQuery(query, fields.get(table)!);
    fake.queries.push({ table, query, parsed });
    return evaluate(rowsOf(table)!, parsed);
  };

  const journal = (table: string, record: Row, body: Record<string, unknown>) => {
    for (const element of JOURNAL_FIELDS) {
      const value = body[element];
      if (typeof value !== 'string' || value === '') continue;
      tables.sys_journal_field.push({
        sys_id: randomBytes(16).toString('hex'),
        name: table,
        element_id: record.sys_id!,
        element,
        value,
        sys_created_on: now(),
        sys_created_by: INTEGRATION_USER,
      });
    }
  };

  const assign = (table: string, record: Row, body: Record<string, unknown>) => {
    for (const [field, value] of Object.entries(body)) {
      if (JOURNAL_FIELDS.includes(field)) continue;
      if (!fields.get(table)!.has(field) || field === 'sys_id' || field === 'number') {
        fake.ignoredWriteFields.push(`${table}.${field}`);
        continue;
      }
      record[field] = String(value);
    }
    // Business rules: priority from impact × urgency; resolving stamps resolved_at and deactivates.
    if (table === 'incident') {
      record.priority = derivePriority(
        (record.impact || '3') as '1' | '2' | '3',
        (record.urgency || '3') as '1' | '2' | '3',
      );
      if (['6', '7', '8'].includes(record.state ?? '')) {
        record.active = 'false';
        record.resolved_at ||= now();
      }
    }
    record.sys_updated_on = now();
  };

  upstream.route('GET', /^\/api\/now\/table\/[a-z_]+$/, (request) => {
    const table = request.path.split('/')[4]!;
    const refused = guard(table);
    if (refused) return refused;
    const all = select(table, request);
    const limit = Math.min(Number(request.query.sysparm_limit ?? 10_000) || 10_000, 10_000);
    const offset = Number(request.query.sysparm_offset ?? 0) || 0;
    const page = all.slice(offset, offset + limit);
    const headers: Record<string, string> = { 'x-total-count': String(all.length), ...rateHeaders() };
    const link = (o: number, rel: string) => {
      const params = new URLSearchParams({ ...request.query, sysparm_offset: String(o) });
      return `<${upstream.url}${request.path}?${params}>;rel="${rel}"`;
    };
    const links = [link(0, 'first')];
    if (offset > 0) links.push(link(Math.max(0, offset - limit), 'prev'));
    if (offset + limit < all.length) links.push(link(offset + limit, 'next'));
    headers.link = links.join(',');
    return { headers, body: { result: page.map((row) => present(table, row, request)) } };
  });

  upstream.route('GET', /^\/api\/now\/table\/[a-z_]+\/[^/]+$/, (request) => {
    const [, , , , table, id] = request.path.split('/');
    const refused = guard(table!);
    if (refused) return refused;
    const row = byId(table!, id!);
    if (!row)
      return failure(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
    return { headers: rateHeaders(), body: { result: present(table!, row, request) } };
  });

  upstream.route('GET', /^\/api\/now\/stats\/[a-z_]+$/, (request) => {
    const table = request.path.split('/')[4]!;
    const refused = guard(table);
    if (refused) return refused;
    const count = select(table, request).length;
    return { headers: rateHeaders(), body: { result: { stats: { count: String(count) } } } };
  });

  upstream.route('POST', /^\/api\/now\/table\/(incident|change_request)$/, (request) => {
    const table = request.path.split('/')[4] as 'incident' | 'change_request';
    const refused = guard(table);
    if (refused) return refused;
    const body = (request.json ?? {}) as Record<string, unknown>;
    const prefix = table === 'incident' ? 'INC' : 'CHG';
    const record: Row = {};
    for (const field of fields.get(table)!) record[field] = '';
    Object.assign(record, {
      sys_id: randomBytes(16).toString('hex'),
      number: `${prefix}${String(counters[table]++).padStart(7, '0')}`,
      ...(table === 'incident'
        ? { state: '1', active: 'true', opened_at: now(), category: 'inquiry', impact: '3', urgency: '3' }
        : { state: '-5', type: 'normal', approval: 'not requested', sys_created_on: now() }),
    });
    assign(table, record, body);
    rowsOf(table)!.push(record);
    journal(table, record, body);
    return { status: 201, headers: rateHeaders(), body: { result: present(table, record, request) } };
  });

  upstream.route('PATCH', /^\/api\/now\/table\/(incident|change_request)\/[^/]+$/, (request) => {
    const [, , , , table, id] = request.path.split('/');
    const refused = guard(table!);
    if (refused) return refused;
    const record = byId(table!, id!);
    if (!record)
      return failure(404, 'No Record found', "Record doesn't exist or ACL restricts the record retrieval");
    const body = (request.json ?? {}) as Record<string, unknown>;
    if (table === 'incident' && body.state === '6' && (!body.close_code || !body.close_notes)) {
      return failure(
        403,
        'Operation Failed',
        'Data Policy Exception: the following fields are mandatory: Resolution code, Resolution notes',
      );
    }
    assign(table!, record, body);
    journal(table!, record, body);
    return { headers: rateHeaders(), body: { result: present(table!, record, request) } };
  });

  return fake;
}

/** Every part the instance silently ignored, over all recorded queries (must be empty). */
export function ignoredParts(
  fake: FakeServiceNow,
): Array<{ table: string; query: string; invalid: string[] }> {
  return fake.queries
    .filter((q) => q.parsed.invalid.length > 0)
    .map((q) => ({ table: q.table, query: q.query, invalid: q.parsed.invalid }));
}
