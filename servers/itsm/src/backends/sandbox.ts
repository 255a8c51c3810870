import { randomBytes } from 'node:crypto';
import { queryWithCallSignal } from '@mcp-platform/runtime';
import { createPgPool, escapeLike, SqlParams, type UpstreamCall } from '@mcp-platform/server-kit';
import type pg from 'pg';
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
import { derivePriority } from '../model.ts';
import { dateTimeLiteral } from './encoded-query.ts';
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
  CHOICE_LABELS,
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
import { SCHEMA } from './sandbox-schema.ts';
import { INTEGRATION_USER, snDateTime } from './sandbox-seed.ts';

const S = SCHEMA;

const INCIDENT_SELECT = `SELECT i.*, g.name AS assignment_group__d, u.name AS assigned_to__d, c.name AS cmdb_ci__d,
  s.name AS business_service__d, p.number AS problem_id__d, ch.number AS caused_by__d
  FROM ${S}.incident i
  LEFT JOIN ${S}.sys_user_group g ON g.sys_id = i.assignment_group
  LEFT JOIN ${S}.sys_user u ON u.sys_id = i.assigned_to
  LEFT JOIN ${S}.cmdb_ci c ON c.sys_id = i.cmdb_ci
  LEFT JOIN ${S}.cmdb_ci s ON s.sys_id = i.business_service
  LEFT JOIN ${S}.problem p ON p.sys_id = i.problem_id
  LEFT JOIN ${S}.change_request ch ON ch.sys_id = i.caused_by`;
const CHANGE_SELECT = `SELECT r.*, c.name AS cmdb_ci__d, s.name AS business_service__d, g.name AS assignment_group__d,
  u.name AS requested_by__d
  FROM ${S}.change_request r
  LEFT JOIN ${S}.cmdb_ci c ON c.sys_id = r.cmdb_ci
  LEFT JOIN ${S}.cmdb_ci s ON s.sys_id = r.business_service
  LEFT JOIN ${S}.sys_user_group g ON g.sys_id = r.assignment_group
  LEFT JOIN ${S}.sys_user u ON u.sys_id = r.requested_by`;
const CI_SELECT = `SELECT c.*, sg.name AS support_group__d, mg.name AS managed_by_group__d
  FROM ${S}.cmdb_ci c
  LEFT JOIN ${S}.sys_user_group sg ON sg.sys_id = c.support_group
  LEFT JOIN ${S}.sys_user_group mg ON mg.sys_id = c.managed_by_group`;

/** A SQL row (`field`, `field__d` display names) as a Table API `display_value=all` record. */
function snRecord(table: string, row: Record<string, unknown>): SnRecord {
  const record: SnRecord = {};
  const labels = CHOICE_LABELS[table] ?? {};
  for (const [key, raw] of Object.entries(row)) {
    if (key.endsWith('__d')) continue;
    const value = raw === null || raw === undefined ? '' : String(raw);
    const display = row[`${key}__d`];
    record[key] = {
      value,
      display_value:
        display === null || display === undefined ? (labels[key]?.[value] ?? value) : String(display),
    };
  }
  return record;
}

const newSysId = () => randomBytes(16).toString('hex');
const nowValue = () => snDateTime(Date.now());

/** The sandbox instance: the same operations over the demo data in PostgreSQL (parameterised SQL only). */
export class SandboxBackend implements ItsmBackend {
  readonly kind = 'sandbox' as const;
  readonly pool: pg.Pool;

  constructor(databaseUrl: string, options: { max?: number } = {}) {
    // A database restart surfaces on the next query; it never crashes the process.
    this.pool = createPgPool({ connectionString: databaseUrl, max: options.max ?? 5 });
  }

  private query<R extends pg.QueryResultRow>(sql: string, params: unknown[], call: UpstreamCall) {
    return queryWithCallSignal<R>(this.pool, sql, params, call.signal);
  }

  private async rows(table: string, sql: string, params: unknown[], call: UpstreamCall): Promise<SnRecord[]> {
    const { rows } = await this.query(sql, params, call);
    return rows.map((row: Record<string, unknown>) => snRecord(table, row));
  }

  async searchIncidents(q: IncidentSearch, call: UpstreamCall): Promise<Page<Incident>> {
    const after = positionOf('incidents', q);
    const p = new SqlParams();
    const where: string[] = [];
    if (q.text !== undefined) {
      const pattern = p.add(`%${escapeLike(q.text)}%`);
      where.push(`(i.short_description ILIKE ${pattern} OR i.description ILIKE ${pattern})`);
    }
    if (q.states?.length) where.push(`i.state = ANY(${p.add(q.states)})`);
    if (q.priorities?.length) where.push(`i.priority = ANY(${p.add(q.priorities)})`);
    if (q.assignmentGroup !== undefined) where.push(`i.assignment_group = ${p.add(q.assignmentGroup)}`);
    if (q.ciSysIds?.length) {
      const ids = p.add(q.ciSysIds);
      where.push(`(i.cmdb_ci = ANY(${ids}) OR i.business_service = ANY(${ids}))`);
    }
    if (q.openedFrom !== undefined) where.push(`i.opened_at >= ${p.add(dateTimeLiteral(q.openedFrom))}`);
    if (q.openedTo !== undefined) where.push(`i.opened_at < ${p.add(dateTimeLiteral(q.openedTo))}`);
    if (q.updatedSince !== undefined)
      where.push(`i.sys_updated_on >= ${p.add(dateTimeLiteral(q.updatedSince))}`);
    if (after) where.push(`(i.number, i.sys_id) < (${p.add(after.v)}, ${p.add(after.id)})`);
    const sql = `${INCIDENT_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY i.number COLLATE "C" DESC, i.sys_id DESC LIMIT ${p.add(q.limit + 1)}`;
    const records = await this.rows('incident', sql, p.values, call);
    return incidentPage(q, records);
  }

  async getIncident(
    number: string,
    options: { journal: number },
    call: UpstreamCall,
  ): Promise<IncidentDetail | undefined> {
    const [record] = await this.rows('incident', `${INCIDENT_SELECT} WHERE i.number = $1`, [number], call);
    if (!record) return undefined;
    return this.detail(record, options.journal, call);
  }

  private async detail(record: SnRecord, journalLimit: number, call: UpstreamCall): Promise<IncidentDetail> {
    const sysId = record.sys_id!.value;
    const journal = await this.rows(
      'sys_journal_field',
      `SELECT * FROM ${S}.sys_journal_field WHERE element_id = $1 AND name = 'incident'
       ORDER BY sys_created_on DESC, sys_id DESC LIMIT $2`,
      [sysId, journalLimit],
      call,
    );
    const slas = await this.rows(
      'task_sla',
      `SELECT t.*, c.name AS sla__d FROM ${S}.task_sla t LEFT JOIN ${S}.contract_sla c ON c.sys_id = t.sla
       WHERE t.task = $1 ORDER BY t.sys_id`,
      [sysId],
      call,
    );
    return toIncidentDetail(record, journal, slas);
  }

  async incidentsOn(
    ciSysIds: readonly string[],
    since: string,
    limit: number,
    call: UpstreamCall,
  ): Promise<Incident[]> {
    if (ciSysIds.length === 0) return [];
    const records = await this.rows(
      'incident',
      `${INCIDENT_SELECT} WHERE (i.cmdb_ci = ANY($1) OR i.business_service = ANY($1))
        AND (i.active = 'true' OR i.opened_at >= $2)
       ORDER BY i.number COLLATE "C" DESC LIMIT $3`,
      [ciSysIds, dateTimeLiteral(since), limit],
      call,
    );
    return records.map(toIncident);
  }

  async listChanges(q: ChangeSearch, call: UpstreamCall): Promise<Page<Change>> {
    const after = positionOf('changes', q);
    const p = new SqlParams();
    const where = [
      `r.start_date < ${p.add(dateTimeLiteral(q.to))}`,
      `r.end_date >= ${p.add(dateTimeLiteral(q.from))}`,
    ];
    if (q.states?.length) where.push(`r.state = ANY(${p.add(q.states)})`);
    if (q.ciSysIds?.length) {
      const ids = p.add(q.ciSysIds);
      where.push(`(r.cmdb_ci = ANY(${ids}) OR r.business_service = ANY(${ids}))`);
    }
    if (after) where.push(`(r.start_date, r.sys_id) > (${p.add(after.v)}, ${p.add(after.id)})`);
    const records = await this.rows(
      'change_request',
      `${CHANGE_SELECT} WHERE ${where.join(' AND ')} ORDER BY r.start_date, r.sys_id LIMIT ${p.add(q.limit + 1)}`,
      p.values,
      call,
    );
    return changePage(q, records);
  }

  async findCis(names: readonly string[], call: UpstreamCall): Promise<Ci[]> {
    if (names.length === 0) return [];
    const records = await this.rows(
      'cmdb_ci',
      `${CI_SELECT} WHERE lower(c.name) = ANY($1) ORDER BY c.name COLLATE "C", c.sys_id`,
      [names.map((n) => n.toLowerCase())],
      call,
    );
    return records.map(toCi);
  }

  async getCi(sysId: string, call: UpstreamCall): Promise<CiDetail | undefined> {
    const [record] = await this.rows('cmdb_ci', `${CI_SELECT} WHERE c.sys_id = $1`, [sysId], call);
    if (!record) return undefined;
    const rels = await this.rows(
      'cmdb_rel_ci',
      `SELECT * FROM ${S}.cmdb_rel_ci WHERE parent = $1 OR child = $1 ORDER BY sys_id`,
      [sysId],
      call,
    );
    const otherIds = relatedCiIds(rels, sysId);
    const others = new Map(
      (await this.rows('cmdb_ci', `${CI_SELECT} WHERE c.sys_id = ANY($1)`, [otherIds], call)).map((c) => [
        c.sys_id!.value,
        toCi(c),
      ]),
    );
    const { rows } = await this.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${S}.incident WHERE cmdb_ci = $1 AND active = 'true'`,
      [sysId],
      call,
    );
    return toCiDetail(record, rels, others, rows[0]!.n);
  }

  async findGroup(name: string, call: UpstreamCall): Promise<Ref | undefined> {
    const { rows } = await this.query<{ sys_id: string; name: string }>(
      `SELECT sys_id, name FROM ${S}.sys_user_group WHERE lower(name) = lower($1) ORDER BY sys_id LIMIT 1`,
      [name],
      call,
    );
    return rows[0] ? { sysId: rows[0].sys_id, name: rows[0].name } : undefined;
  }

  async closeCodes(call: UpstreamCall): Promise<string[]> {
    const { rows } = await this.query<{ value: string }>(
      `SELECT value FROM ${S}.sys_choice WHERE name = 'incident' AND element = 'close_code' AND inactive = 'false'
       ORDER BY sequence::int, value`,
      [],
      call,
    );
    return rows.map((r) => r.value);
  }

  private async insert(table: string, record: Record<string, string>, call: UpstreamCall): Promise<void> {
    const columns = Object.keys(record);
    await this.query(
      `INSERT INTO ${S}.${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`,
      columns.map((c) => record[c]),
      call,
    );
  }

  private async journal(
    incident: string,
    element: 'work_notes' | 'comments',
    value: string,
    at: string,
    call: UpstreamCall,
  ) {
    await this.insert(
      'sys_journal_field',
      {
        sys_id: newSysId(),
        name: 'incident',
        element_id: incident,
        element,
        value,
        sys_created_on: at,
        sys_created_by: INTEGRATION_USER,
      },
      call,
    );
  }

  async createIncident(input: NewIncident, call: UpstreamCall): Promise<IncidentDetail> {
    const sysId = newSysId();
    const at = nowValue();
    const { rows } = await this.query<{ n: string }>(
      `SELECT nextval('${S}.incident_number_seq')::text AS n`,
      [],
      call,
    );
    const integration = await this.query<{ sys_id: string }>(
      `SELECT sys_id FROM ${S}.sys_user WHERE user_name = $1`,
      [INTEGRATION_USER],
      call,
    );
    await this.insert(
      'incident',
      {
        sys_id: sysId,
        number: `INC${rows[0]!.n.padStart(7, '0')}`,
        short_description: input.shortDescription,
        description: input.description ?? '',
        state: '1',
        active: 'true',
        impact: input.impact,
        urgency: input.urgency,
        priority: derivePriority(input.impact, input.urgency),
        category: input.category ?? 'inquiry',
        assignment_group: input.groupSysId ?? '',
        cmdb_ci: input.ciSysId ?? '',
        business_service: input.serviceSysId ?? '',
        opened_at: at,
        opened_by: integration.rows[0]?.sys_id ?? '',
        sys_updated_on: at,
      },
      call,
    );
    await this.journal(sysId, 'work_notes', input.workNote, at, call);
    const [record] = await this.rows('incident', `${INCIDENT_SELECT} WHERE i.sys_id = $1`, [sysId], call);
    return this.detail(record!, 10, call);
  }

  async addJournal(
    incident: { sysId: string },
    kind: 'work_note' | 'comment',
    text: string,
    call: UpstreamCall,
  ): Promise<JournalEntry> {
    const at = nowValue();
    await this.journal(incident.sysId, journalElement(kind), text, at, call);
    await this.query(
      `UPDATE ${S}.incident SET sys_updated_on = $2 WHERE sys_id = $1`,
      [incident.sysId, at],
      call,
    );
    return newJournalEntry(kind, text, at, INTEGRATION_USER);
  }

  async resolveIncident(input: Resolution, call: UpstreamCall): Promise<IncidentDetail> {
    const at = nowValue();
    await this.query(
      `UPDATE ${S}.incident SET state = '6', close_code = $2, close_notes = $3, resolved_at = $4, sys_updated_on = $4
       WHERE sys_id = $1`,
      [input.sysId, input.closeCode, input.closeNotes, at],
      call,
    );
    await this.journal(input.sysId, 'work_notes', input.workNote, at, call);
    const [record] = await this.rows(
      'incident',
      `${INCIDENT_SELECT} WHERE i.sys_id = $1`,
      [input.sysId],
      call,
    );
    return this.detail(record!, 10, call);
  }

  async createChange(input: NewChange, call: UpstreamCall): Promise<ChangeDetail> {
    const sysId = newSysId();
    const at = nowValue();
    const { rows } = await this.query<{ n: string }>(
      `SELECT nextval('${S}.change_number_seq')::text AS n`,
      [],
      call,
    );
    await this.insert(
      'change_request',
      {
        sys_id: sysId,
        number: `CHG${rows[0]!.n.padStart(7, '0')}`,
        short_description: input.shortDescription,
        description: input.description ?? '',
        type: 'normal',
        state: '-5',
        risk: input.risk,
        impact: '2',
        cmdb_ci: input.ciSysId,
        business_service: input.serviceSysId ?? '',
        assignment_group: input.groupSysId ?? '',
        start_date: dateTimeLiteral(input.start),
        end_date: dateTimeLiteral(input.end),
        justification: input.justification,
        implementation_plan: input.implementationPlan,
        backout_plan: input.backoutPlan,
        test_plan: input.testPlan,
        approval: 'not requested',
        sys_created_on: at,
        sys_updated_on: at,
      },
      call,
    );
    await this.insert(
      'sys_journal_field',
      {
        sys_id: newSysId(),
        name: 'change_request',
        element_id: sysId,
        element: 'work_notes',
        value: input.workNote,
        sys_created_on: at,
        sys_created_by: INTEGRATION_USER,
      },
      call,
    );
    const [record] = await this.rows('change_request', `${CHANGE_SELECT} WHERE r.sys_id = $1`, [sysId], call);
    return toChangeDetail(record!);
  }

  async ready(): Promise<{ ok: boolean; detail?: string }> {
    try {
      await this.pool.query(`SELECT 1 FROM ${S}.meta LIMIT 1`);
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
