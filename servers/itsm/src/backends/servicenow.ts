/**
 * The ServiceNow adapter: the Table API (and the Aggregate API for counts) on the kit's HTTP client.
 * Queries are built only with the strict encoded-query builder; field lists are fixed here; records
 * come back with display values (`sysparm_display_value=all`) and without reference links.
 */
import { ToolError } from '@mcp-platform/protocol';
import {
  basicAuth,
  createUpstreamClient,
  type Observer,
  oauthTokenSource,
  type TokenSource,
  type UpstreamCall,
  type UpstreamClient,
  type UpstreamHttpError,
  type UpstreamRequest,
} from '@mcp-platform/server-kit';
import type { ServiceNowAuth } from '../config.ts';
import type {
  Change,
  ChangeDetail,
  Ci,
  CiDetail,
  Incident,
  IncidentDetail,
  JournalEntry,
  Ref,
} from '../model.ts';
import {
  bool,
  choice,
  dateTimeLiteral,
  datetime,
  EncodedQuery,
  keysetQuery,
  type QueryTable,
  recordNumber,
  sysId,
  text,
} from './encoded-query.ts';
import type {
  ChangeSearch,
  IncidentSearch,
  ItsmBackend,
  NewChange,
  NewIncident,
  Page,
  Resolution,
} from './itsm-backend.ts';
import { changePage, incidentPage, positionOf } from './paging.ts';
import {
  isoTime,
  journalElement,
  newJournalEntry,
  relatedCiIds,
  type SnRecord,
  toChangeDetail,
  toCi,
  toCiDetail,
  toIncident,
  toIncidentDetail,
} from './records.ts';

/** The fields read from each table (`sysparm_fields`): fixed in code, never from input. */
export const FIELDS = {
  incident: [
    'sys_id',
    'number',
    'short_description',
    'description',
    'state',
    'impact',
    'urgency',
    'priority',
    'category',
    'assignment_group',
    'assigned_to',
    'cmdb_ci',
    'business_service',
    'opened_at',
    'sys_updated_on',
    'resolved_at',
    'close_code',
    'close_notes',
    'problem_id',
    'caused_by',
  ],
  change_request: [
    'sys_id',
    'number',
    'short_description',
    'description',
    'type',
    'state',
    'risk',
    'cmdb_ci',
    'assignment_group',
    'requested_by',
    'start_date',
    'end_date',
    'justification',
    'implementation_plan',
    'backout_plan',
    'test_plan',
    'approval',
  ],
  cmdb_ci: [
    'sys_id',
    'name',
    'sys_class_name',
    'environment',
    'operational_status',
    'support_group',
    'managed_by_group',
    'short_description',
  ],
  cmdb_rel_ci: ['sys_id', 'parent', 'child', 'type'],
  sys_user_group: ['sys_id', 'name'],
  sys_journal_field: ['sys_id', 'element', 'value', 'sys_created_on', 'sys_created_by'],
  task_sla: ['sys_id', 'sla', 'stage', 'has_breached', 'planned_end_time', 'percentage'],
  sys_choice: ['value', 'sequence'],
} as const satisfies Partial<Record<QueryTable, readonly string[]>>;

const INCIDENT_STATES = ['1', '2', '3', '6', '7', '8'];
const PRIORITY_VALUES = ['1', '2', '3', '4', '5'];
const CHANGE_STATE_VALUES = ['-5', '-4', '-3', '-2', '-1', '0', '3', '4'];

export interface ServiceNowBackendOptions {
  instanceUrl: string;
  auth: ServiceNowAuth;
  timeoutMs?: number;
  observer?: Observer | undefined;
  /** Told the instance's rate-limit headers (`X-RateLimit-Limit` / `-Remaining`) when it sends them. */
  onRateLimit?: ((limit: number, remaining: number) => void) | undefined;
  /** Retry policy override (tests make backoff instant). */
  retry?: { attempts?: number; baseDelayMs?: number; maxDelayMs?: number };
}

function tokenSource(instanceUrl: string, auth: ServiceNowAuth): TokenSource {
  if (auth.kind === 'basic') return basicAuth(auth.username, auth.password);
  return oauthTokenSource({
    system: 'ServiceNow',
    tokenUrl: `${instanceUrl}/oauth_token.do`,
    grant:
      auth.kind === 'oauth_client_credentials'
        ? { type: 'client_credentials', clientId: auth.clientId, clientSecret: auth.clientSecret }
        : {
            type: 'password',
            clientId: auth.clientId,
            clientSecret: auth.clientSecret,
            username: auth.username,
            password: auth.password,
          },
  });
}

const TABLE_OF_PATH = /api\/now\/(?:table|stats)\/([a-z_]+)/;

/** ServiceNow's error body `{error:{message,detail},status:"failure"}` → a registry error naming the table. */
export function serviceNowError(error: UpstreamHttpError, request: UpstreamRequest): ToolError | undefined {
  const table = TABLE_OF_PATH.exec(request.path)?.[1] ?? 'the table';
  let message = '';
  try {
    const body = JSON.parse(error.body) as { error?: { message?: unknown } };
    if (typeof body.error?.message === 'string') message = body.error.message.slice(0, 200);
  } catch {
    if (/hibernat/i.test(error.body)) return hibernating();
  }
  if (error.status === 403) {
    return new ToolError(
      'PERMISSION_DENIED',
      `ServiceNow refused access to ${table}${message ? `: ${message}` : ''}`,
      {
        hint: `The integration user lacks an ACL or role for ${table}; see docs/servers/itsm.md for the roles it needs.`,
      },
    );
  }
  if (error.status === 404) {
    return new ToolError(
      'NOT_FOUND',
      `ServiceNow has no such ${table} record${message ? ` (${message})` : ''}`,
    );
  }
  if (error.status === 400 && message) {
    return new ToolError('VALIDATION_FAILED', `ServiceNow rejected the ${table} request: ${message}`);
  }
  return undefined;
}

function hibernating(): ToolError {
  return new ToolError('UPSTREAM_UNAVAILABLE', 'The ServiceNow instance is hibernating', {
    retryable: true,
    hint: 'Wake the instance (developer instances sleep when idle), then try again.',
  });
}

export class ServiceNowBackend implements ItsmBackend {
  readonly kind = 'servicenow' as const;
  private readonly http: UpstreamClient;
  private readonly onRateLimit: ServiceNowBackendOptions['onRateLimit'];

  constructor(options: ServiceNowBackendOptions) {
    this.onRateLimit = options.onRateLimit;
    this.http = createUpstreamClient({
      system: 'ServiceNow',
      baseUrl: options.instanceUrl,
      auth: tokenSource(options.instanceUrl, options.auth),
      timeoutMs: options.timeoutMs ?? 15_000,
      observer: options.observer,
      headers: { accept: 'application/json' },
      describeError: serviceNowError,
      ...(options.retry ? { retry: options.retry } : {}),
    });
  }

  /** One request; the body is read as text so a hibernation page (HTML) is recognised, not misparsed. */
  private async send<T>(request: UpstreamRequest, call: UpstreamCall): Promise<{ status: number; body: T }> {
    const response = await this.http.request<string>({ ...request, read: 'text' }, call);
    const limit = Number(response.headers.get('x-ratelimit-limit'));
    const remaining = Number(response.headers.get('x-ratelimit-remaining'));
    if (
      this.onRateLimit &&
      response.headers.has('x-ratelimit-limit') &&
      Number.isFinite(limit) &&
      Number.isFinite(remaining)
    ) {
      this.onRateLimit(limit, remaining);
    }
    if (response.status === 404) return { status: 404, body: undefined as T };
    try {
      return { status: response.status, body: JSON.parse(response.body) as T };
    } catch {
      if (/hibernat/i.test(response.body)) throw hibernating();
      throw new ToolError('UPSTREAM_UNAVAILABLE', 'ServiceNow answered with something other than JSON', {
        retryable: true,
      });
    }
  }

  private async list<T extends keyof typeof FIELDS>(
    operation: string,
    table: T,
    query: EncodedQuery<T & QueryTable>,
    limit: number,
    call: UpstreamCall,
  ): Promise<SnRecord[]> {
    const { body } = await this.send<{ result: SnRecord[] }>(
      {
        operation,
        path: `api/now/table/${table}`,
        query: {
          sysparm_query: query.toString(),
          sysparm_fields: FIELDS[table].join(','),
          sysparm_limit: limit,
          sysparm_display_value: 'all',
          sysparm_exclude_reference_link: true,
          sysparm_no_count: true,
        },
      },
      call,
    );
    return body?.result ?? [];
  }

  private async write<T extends 'incident' | 'change_request'>(
    operation: string,
    table: T,
    method: 'POST' | 'PATCH',
    target: string | undefined,
    json: Record<string, string>,
    call: UpstreamCall,
  ): Promise<SnRecord> {
    const { body } = await this.send<{ result: SnRecord }>(
      {
        operation,
        method,
        path: target === undefined ? `api/now/table/${table}` : `api/now/table/${table}/${target}`,
        query: {
          sysparm_fields: FIELDS[table].join(','),
          sysparm_display_value: 'all',
          sysparm_exclude_reference_link: true,
        },
        json,
      },
      call,
    );
    if (!body?.result) throw new ToolError('NOT_FOUND', `ServiceNow has no such ${table} record`);
    return body.result;
  }

  async searchIncidents(q: IncidentSearch, call: UpstreamCall): Promise<Page<Incident>> {
    const after = positionOf('incidents', q);
    const query = keysetQuery(
      'incident',
      (b) => {
        if (q.text !== undefined) {
          b.whereAny([
            { field: 'short_description', op: 'LIKE', value: text(q.text) },
            { field: 'description', op: 'LIKE', value: text(q.text) },
          ]);
        }
        if (q.states?.length)
          b.where(
            'state',
            'IN',
            q.states.map((s) => choice(s, INCIDENT_STATES)),
          );
        if (q.priorities?.length)
          b.where(
            'priority',
            'IN',
            q.priorities.map((p) => choice(p, PRIORITY_VALUES)),
          );
        if (q.assignmentGroup !== undefined) b.where('assignment_group', '=', sysId(q.assignmentGroup));
        if (q.ciSysIds?.length) {
          const ids = q.ciSysIds.map(sysId);
          b.whereAny([
            { field: 'cmdb_ci', op: 'IN', value: ids },
            { field: 'business_service', op: 'IN', value: ids },
          ]);
        }
        if (q.openedFrom !== undefined) b.where('opened_at', '>=', datetime(q.openedFrom));
        if (q.openedTo !== undefined) b.where('opened_at', '<', datetime(q.openedTo));
        if (q.updatedSince !== undefined) b.where('sys_updated_on', '>=', datetime(q.updatedSince));
      },
      { field: 'number', direction: 'DESC', value: recordNumber('incident', after?.v as string) },
      after ? { sysId: after.id } : undefined,
    );
    const records = await this.list('searchIncidents', 'incident', query, q.limit + 1, call);
    return incidentPage(q, records);
  }

  async getIncident(
    number: string,
    options: { journal: number },
    call: UpstreamCall,
  ): Promise<IncidentDetail | undefined> {
    const query = new EncodedQuery('incident').where('number', '=', recordNumber('incident', number));
    const [record] = await this.list('getIncident', 'incident', query, 1, call);
    return record ? this.detail(record, options.journal, call) : undefined;
  }

  private async detail(record: SnRecord, journalLimit: number, call: UpstreamCall): Promise<IncidentDetail> {
    const id = sysId(record.sys_id?.value ?? '');
    const journalQuery = new EncodedQuery('sys_journal_field')
      .where('element_id', '=', id)
      .where('name', '=', choice('incident', ['incident']))
      .where('element', 'IN', [choice('work_notes', ['work_notes']), choice('comments', ['comments'])])
      .orderBy('sys_created_on', 'DESC')
      .orderBy('sys_id', 'DESC');
    const [journal, slas] = await Promise.all([
      journalLimit > 0
        ? this.list('getIncident', 'sys_journal_field', journalQuery, journalLimit, call)
        : Promise.resolve([]),
      this.list(
        'getIncident',
        'task_sla',
        new EncodedQuery('task_sla').where('task', '=', id).orderBy('sys_id'),
        10,
        call,
      ),
    ]);
    return toIncidentDetail(record, journal, slas);
  }

  async incidentsOn(
    ciSysIds: readonly string[],
    since: string,
    limit: number,
    call: UpstreamCall,
  ): Promise<Incident[]> {
    if (ciSysIds.length === 0) return [];
    const ids = ciSysIds.map(sysId);
    const query = new EncodedQuery('incident')
      .whereAny([
        { field: 'cmdb_ci', op: 'IN', value: ids },
        { field: 'business_service', op: 'IN', value: ids },
      ])
      .whereAny([
        { field: 'active', op: '=', value: bool(true) },
        { field: 'opened_at', op: '>=', value: datetime(since) },
      ])
      .orderBy('number', 'DESC');
    return (await this.list('incidentsOn', 'incident', query, limit, call)).map(toIncident);
  }

  async listChanges(q: ChangeSearch, call: UpstreamCall): Promise<Page<Change>> {
    const after = positionOf('changes', q);
    const query = keysetQuery(
      'change_request',
      (b) => {
        b.where('start_date', '<', datetime(q.to)).where('end_date', '>=', datetime(q.from));
        if (q.states?.length)
          b.where(
            'state',
            'IN',
            q.states.map((s) => choice(s, CHANGE_STATE_VALUES)),
          );
        if (q.ciSysIds?.length) {
          const ids = q.ciSysIds.map(sysId);
          b.whereAny([
            { field: 'cmdb_ci', op: 'IN', value: ids },
            { field: 'business_service', op: 'IN', value: ids },
          ]);
        }
      },
      { field: 'start_date', direction: 'ASC', value: datetime(isoTime(String(after?.v ?? '')) ?? q.from) },
      after ? { sysId: after.id } : undefined,
    );
    const records = await this.list('listChanges', 'change_request', query, q.limit + 1, call);
    return changePage(q, records);
  }

  async findCis(names: readonly string[], call: UpstreamCall): Promise<Ci[]> {
    const usable = names.filter((n) => !n.includes(','));
    if (usable.length === 0) return [];
    const query = new EncodedQuery('cmdb_ci');
    if (usable.length === 1) query.where('name', '=', text(usable[0]!));
    else query.where('name', 'IN', usable.map(text));
    query.orderBy('name').orderBy('sys_id');
    return (await this.list('findCis', 'cmdb_ci', query, 50, call)).map(toCi);
  }

  async getCi(id: string, call: UpstreamCall): Promise<CiDetail | undefined> {
    const [record] = await this.list(
      'getCi',
      'cmdb_ci',
      new EncodedQuery('cmdb_ci').where('sys_id', '=', sysId(id)),
      1,
      call,
    );
    if (!record) return undefined;
    const relQuery = new EncodedQuery('cmdb_rel_ci')
      .whereAny([
        { field: 'parent', op: '=', value: sysId(id) },
        { field: 'child', op: '=', value: sysId(id) },
      ])
      .orderBy('sys_id');
    const [rels, count] = await Promise.all([
      this.list('getCi', 'cmdb_rel_ci', relQuery, 200, call),
      this.count(
        'incident',
        new EncodedQuery('incident').where('cmdb_ci', '=', sysId(id)).where('active', '=', bool(true)),
        call,
      ),
    ]);
    const otherIds = relatedCiIds(rels, id);
    const others = new Map<string, Ci>();
    if (otherIds.length > 0) {
      const othersQuery = new EncodedQuery('cmdb_ci').where('sys_id', 'IN', otherIds.map(sysId));
      for (const ci of (await this.list('getCi', 'cmdb_ci', othersQuery, 200, call)).map(toCi))
        others.set(ci.sysId, ci);
    }
    return toCiDetail(record, rels, others, count);
  }

  /** Aggregate API: `GET /api/now/stats/{table}?sysparm_count=true`. */
  private async count<T extends QueryTable>(
    table: T,
    query: EncodedQuery<T>,
    call: UpstreamCall,
  ): Promise<number> {
    const { body } = await this.send<{ result?: { stats?: { count?: string } } }>(
      {
        operation: 'getCi',
        path: `api/now/stats/${table}`,
        query: { sysparm_count: true, sysparm_query: query.toString() },
      },
      call,
    );
    const n = Number(body?.result?.stats?.count ?? 0);
    return Number.isInteger(n) ? n : 0;
  }

  async findGroup(name: string, call: UpstreamCall): Promise<Ref | undefined> {
    const query = new EncodedQuery('sys_user_group').where('name', '=', text(name)).orderBy('sys_id');
    const [record] = await this.list('findGroup', 'sys_user_group', query, 1, call);
    return record ? { sysId: record.sys_id?.value ?? '', name: record.name?.value ?? '' } : undefined;
  }

  async closeCodes(call: UpstreamCall): Promise<string[]> {
    const query = new EncodedQuery('sys_choice')
      .where('name', '=', choice('incident', ['incident']))
      .where('element', '=', choice('close_code', ['close_code']))
      .where('inactive', '=', bool(false))
      .orderBy('sequence')
      .orderBy('value');
    return (await this.list('closeCodes', 'sys_choice', query, 100, call)).map((r) => r.value?.value ?? '');
  }

  async createIncident(input: NewIncident, call: UpstreamCall): Promise<IncidentDetail> {
    const record = await this.write(
      'createIncident',
      'incident',
      'POST',
      undefined,
      {
        short_description: input.shortDescription,
        ...(input.description ? { description: input.description } : {}),
        impact: input.impact,
        urgency: input.urgency,
        category: input.category ?? 'inquiry',
        ...(input.ciSysId ? { cmdb_ci: input.ciSysId } : {}),
        ...(input.serviceSysId ? { business_service: input.serviceSysId } : {}),
        ...(input.groupSysId ? { assignment_group: input.groupSysId } : {}),
        work_notes: input.workNote,
      },
      call,
    );
    return this.detail(record, 10, call);
  }

  async addJournal(
    incident: { sysId: string },
    kind: 'work_note' | 'comment',
    value: string,
    call: UpstreamCall,
  ): Promise<JournalEntry> {
    const target = sysIdPath(incident.sysId);
    const record = await this.write(
      'addJournal',
      'incident',
      'PATCH',
      target,
      { [journalElement(kind)]: value },
      call,
    );
    return newJournalEntry(kind, value, record.sys_updated_on?.value ?? '', 'mcp.integration');
  }

  async resolveIncident(input: Resolution, call: UpstreamCall): Promise<IncidentDetail> {
    const record = await this.write(
      'resolveIncident',
      'incident',
      'PATCH',
      sysIdPath(input.sysId),
      { state: '6', close_code: input.closeCode, close_notes: input.closeNotes, work_notes: input.workNote },
      call,
    );
    return this.detail(record, 10, call);
  }

  async createChange(input: NewChange, call: UpstreamCall): Promise<ChangeDetail> {
    const record = await this.write(
      'createChange',
      'change_request',
      'POST',
      undefined,
      {
        type: 'normal',
        short_description: input.shortDescription,
        ...(input.description ? { description: input.description } : {}),
        justification: input.justification,
        implementation_plan: input.implementationPlan,
        backout_plan: input.backoutPlan,
        test_plan: input.testPlan,
        risk: input.risk,
        start_date: dateTimeLiteral(input.start),
        end_date: dateTimeLiteral(input.end),
        cmdb_ci: input.ciSysId,
        ...(input.serviceSysId ? { business_service: input.serviceSysId } : {}),
        ...(input.groupSysId ? { assignment_group: input.groupSysId } : {}),
        work_notes: input.workNote,
      },
      call,
    );
    return toChangeDetail(record);
  }

  async ready(): Promise<{ ok: boolean; detail?: string }> {
    return { ok: true };
  }

  async close(): Promise<void> {}
}

function sysIdPath(id: string): string {
  if (!/^[0-9a-f]{32}$/.test(id)) throw new ToolError('INVALID_ARGUMENTS', 'Not a sys_id');
  return id;
}
