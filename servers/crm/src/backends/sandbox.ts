import { queryWithCallSignal } from '@mcp-platform/runtime';
import { createPgPool, escapeLike, SqlParams, type UpstreamCall } from '@mcp-platform/server-kit';
import pg from 'pg';
import {
  type Account,
  type AccountOverview,
  type Activity,
  type Case,
  type Contact,
  type Contract,
  cap,
  type Opportunity,
  type OpportunityDetail,
  STAGE_PROBABILITY,
} from '../model.ts';
import type {
  AccountSearch,
  CaseSearch,
  ContactSearch,
  CrmBackend,
  NewActivity,
  NewOpportunity,
  OpportunitySearch,
  OverviewOptions,
  Page,
  RecordLabel,
  RenewalSearch,
  StageUpdate,
} from './crm-backend.ts';
import { recordTypeOf } from './crm-backend.ts';
import { ACCOUNTS, CASES, CONTACTS, keysetList, OPPORTUNITIES, RENEWALS } from './lists.ts';
import { assembleOverview } from './overview.ts';
import { SCHEMA } from './sandbox-schema.ts';
import { INTEGRATION_USER } from './sandbox-seed.ts';

// Dates and timestamps come back as text so both backends return the same shapes.
const TYPES = {
  getTypeParser: (oid: number, format?: string) => {
    if (oid === 1082) return (v: string) => v; // date
    if (oid === 1184 || oid === 1114) return (v: string) => new Date(v).toISOString(); // timestamptz / timestamp
    if (oid === 1700) return (v: string) => Number(v); // numeric
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

const S = SCHEMA;
const ACCOUNT_COLUMNS = `a.id, a.name, a.industry, a.type, u.name AS owner_name, a.billing_city, a.billing_country,
  a.annual_revenue, a.employees, a.website, a.phone`;
const OPPORTUNITY_COLUMNS = `o.id, o.name, o.account_id, a.name AS account_name, o.stage, o.amount, o.close_date,
  o.probability, u.name AS owner_name, o.next_step`;
const OPPORTUNITY_FROM = `${S}.opportunities o LEFT JOIN ${S}.accounts a ON a.id = o.account_id LEFT JOIN ${S}.users u ON u.id = o.owner_id`;
const CONTACT_COLUMNS = `c.id, concat_ws(' ', c.first_name, c.last_name) AS name, c.title, c.email, c.phone, c.account_id,
  a.name AS account_name, c.last_activity_date`;
const CASE_COLUMNS = `k.id, k.case_number, k.subject, k.status, k.priority, k.origin, k.created_at, k.account_id,
  concat_ws(' ', c.first_name, c.last_name) AS contact_name`;
const TASK_COLUMNS = `t.id, t.subject, t.type, t.status, t.activity_date, t.what_id, t.who_id, u.name AS owner_name, t.description`;
const CONTRACT_COLUMNS = `k.id, k.contract_number, k.account_id, a.name AS account_name, k.status, k.start_date, k.end_date,
  k.term_months, u.name AS owner_name`;

type Row = Record<string, unknown>;
const s = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
const n = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const toAccount = (r: Row): Account => ({
  id: String(r.id),
  name: String(r.name),
  industry: s(r.industry),
  type: s(r.type),
  ownerName: s(r.owner_name),
  billingCity: s(r.billing_city),
  billingCountry: s(r.billing_country),
  annualRevenue: n(r.annual_revenue),
  employees: n(r.employees),
  website: s(r.website),
  phone: s(r.phone),
});
const toOpportunity = (r: Row): Opportunity => ({
  id: String(r.id),
  name: String(r.name),
  accountId: s(r.account_id),
  accountName: s(r.account_name),
  stage: String(r.stage),
  amount: n(r.amount),
  closeDate: s(r.close_date),
  probability: n(r.probability),
  ownerName: s(r.owner_name),
  nextStep: cap(s(r.next_step), 255),
});
const toOpportunityDetail = (r: Row): OpportunityDetail => ({
  ...toOpportunity(r),
  type: s(r.type),
  leadSource: s(r.lead_source),
  forecastCategory: s(r.forecast_category),
  description: cap(s(r.description)),
  isClosed: r.is_closed === true,
  isWon: r.is_won === true,
  createdDate: s(r.created_at),
  lastModifiedDate: s(r.updated_at),
});
const toContact = (r: Row): Contact => ({
  id: String(r.id),
  name: String(r.name),
  title: s(r.title),
  email: s(r.email),
  phone: s(r.phone),
  accountId: s(r.account_id),
  accountName: s(r.account_name),
  lastActivityDate: s(r.last_activity_date),
});
const toCase = (r: Row): Case => ({
  id: String(r.id),
  caseNumber: String(r.case_number),
  subject: cap(s(r.subject), 255),
  status: String(r.status),
  priority: s(r.priority),
  origin: s(r.origin),
  createdDate: s(r.created_at),
  accountId: s(r.account_id),
  contactName: s(r.contact_name) || null,
});
const toActivity = (r: Row): Activity => ({
  id: String(r.id),
  subject: cap(s(r.subject), 255),
  type: s(r.type),
  status: s(r.status),
  activityDate: s(r.activity_date),
  relatedToId: s(r.what_id),
  contactId: s(r.who_id),
  ownerName: s(r.owner_name),
  description: cap(s(r.description), 300),
});
const toContract = (r: Row): Contract => ({
  id: String(r.id),
  contractNumber: String(r.contract_number),
  accountId: s(r.account_id),
  accountName: s(r.account_name),
  status: s(r.status),
  startDate: s(r.start_date),
  endDate: s(r.end_date),
  termMonths: n(r.term_months),
  ownerName: s(r.owner_name),
});

/**
 * The same CRM operations over the demo org in PostgreSQL (`crm_sandbox` schema). Parameterised
 * queries only; names sort with the "C" collation so keyset cursors are stable.
 */
export class SandboxBackend implements CrmBackend {
  readonly kind = 'sandbox' as const;
  readonly pool: pg.Pool;

  constructor(databaseUrl: string, poolSize = 5) {
    // A database restart surfaces on the next query; it never crashes the process.
    this.pool = createPgPool({ connectionString: databaseUrl, max: poolSize, types: TYPES });
  }

  /** Runs one statement; the call's signal cancels it on the server (no query outlives its call). */
  private async rows(text: string, params: SqlParams | unknown[], call: UpstreamCall): Promise<Row[]> {
    const values = params instanceof SqlParams ? params.values : params;
    return (await queryWithCallSignal(this.pool, text, values, call.signal)).rows as Row[];
  }

  async searchAccounts(q: AccountSearch, call: UpstreamCall): Promise<Page<Account>> {
    const { after, page } = keysetList(ACCOUNTS, q);
    const p = new SqlParams();
    const where: string[] = [];
    if (q.name !== undefined) where.push(`a.name ILIKE '%' || ${p.add(escapeLike(q.name))} || '%'`);
    if (q.industry !== undefined) where.push(`a.industry = ${p.add(q.industry)}`);
    if (q.owner !== undefined) where.push(`u.name ILIKE '%' || ${p.add(escapeLike(q.owner))} || '%'`);
    if (after) where.push(`(a.name COLLATE "C", a.id) > (${p.add(String(after.v))}, ${p.add(after.id)})`);
    const rows = await this.rows(
      `SELECT ${ACCOUNT_COLUMNS} FROM ${S}.accounts a LEFT JOIN ${S}.users u ON u.id = a.owner_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.name COLLATE "C", a.id LIMIT ${p.add(q.limit + 1)}`,
      p,
      call,
    );
    return page(rows.map(toAccount));
  }

  async getAccountOverview(
    accountId: string,
    o: OverviewOptions,
    call: UpstreamCall,
  ): Promise<AccountOverview | undefined> {
    const k = o.perList + 1;
    const [accounts, opportunities, cases, contacts, tasks, contracts] = await Promise.all([
      this.rows(
        `SELECT ${ACCOUNT_COLUMNS}, a.description FROM ${S}.accounts a LEFT JOIN ${S}.users u ON u.id = a.owner_id WHERE a.id = $1`,
        [accountId],
        call,
      ),
      this.rows(
        `SELECT ${OPPORTUNITY_COLUMNS} FROM ${OPPORTUNITY_FROM} WHERE o.account_id = $1 AND NOT o.is_closed
         ORDER BY o.close_date, o.id LIMIT $2`,
        [accountId, k],
        call,
      ),
      this.rows(
        `SELECT ${CASE_COLUMNS} FROM ${S}.cases k LEFT JOIN ${S}.contacts c ON c.id = k.contact_id
         WHERE k.account_id = $1 AND NOT k.is_closed ORDER BY k.created_at DESC, k.id DESC LIMIT $2`,
        [accountId, k],
        call,
      ),
      this.rows(
        `SELECT ${CONTACT_COLUMNS} FROM ${S}.contacts c LEFT JOIN ${S}.accounts a ON a.id = c.account_id
         WHERE c.account_id = $1 ORDER BY c.last_activity_date DESC NULLS LAST, c.id LIMIT $2`,
        [accountId, k],
        call,
      ),
      this.rows(
        `SELECT ${TASK_COLUMNS} FROM ${S}.tasks t LEFT JOIN ${S}.users u ON u.id = t.owner_id
         WHERE t.account_id = $1 AND t.activity_date <= $2 ORDER BY t.activity_date DESC, t.id DESC LIMIT $3`,
        [accountId, o.today, o.activities + 1],
        call,
      ),
      this.rows(
        `SELECT ${CONTRACT_COLUMNS} FROM ${S}.contracts k LEFT JOIN ${S}.accounts a ON a.id = k.account_id
         LEFT JOIN ${S}.users u ON u.id = k.owner_id
         WHERE k.account_id = $1 AND k.status = 'Activated' AND k.end_date >= $2 ORDER BY k.end_date, k.id LIMIT $3`,
        [accountId, o.today, k],
        call,
      ),
    ]);
    const account = accounts[0];
    if (!account) return undefined;
    return assembleOverview(
      { ...toAccount(account), description: cap(s(account.description)) },
      opportunities.map(toOpportunity),
      cases.map(toCase),
      contacts.map(toContact),
      tasks.map(toActivity),
      contracts.map(toContract),
      o,
    );
  }

  async listOpenOpportunities(q: OpportunitySearch, call: UpstreamCall): Promise<Page<Opportunity>> {
    const { after, page } = keysetList(OPPORTUNITIES, q);
    const p = new SqlParams();
    const where = ['NOT o.is_closed'];
    if (q.owner !== undefined) where.push(`u.name ILIKE '%' || ${p.add(escapeLike(q.owner))} || '%'`);
    if (q.stage !== undefined) where.push(`o.stage = ${p.add(q.stage)}`);
    if (q.accountId !== undefined) where.push(`o.account_id = ${p.add(q.accountId)}`);
    if (q.closeFrom !== undefined) where.push(`o.close_date >= ${p.add(q.closeFrom)}`);
    if (q.closeTo !== undefined) where.push(`o.close_date <= ${p.add(q.closeTo)}`);
    if (q.minAmount !== undefined) where.push(`o.amount >= ${p.add(q.minAmount)}`);
    if (after) where.push(`(o.close_date, o.id) > (${p.add(String(after.v))}::date, ${p.add(after.id)})`);
    const rows = await this.rows(
      `SELECT ${OPPORTUNITY_COLUMNS} FROM ${OPPORTUNITY_FROM} WHERE ${where.join(' AND ')}
       ORDER BY o.close_date, o.id LIMIT ${p.add(q.limit + 1)}`,
      p,
      call,
    );
    return page(rows.map(toOpportunity));
  }

  async getOpportunity(opportunityId: string, call: UpstreamCall): Promise<OpportunityDetail | undefined> {
    const [row] = await this.rows(
      `SELECT ${OPPORTUNITY_COLUMNS}, o.type, o.lead_source, o.forecast_category, o.description, o.is_closed, o.is_won,
         o.created_at, o.updated_at
       FROM ${OPPORTUNITY_FROM} WHERE o.id = $1`,
      [opportunityId],
      call,
    );
    return row ? toOpportunityDetail(row) : undefined;
  }

  async findContacts(q: ContactSearch, call: UpstreamCall): Promise<Page<Contact>> {
    const { after, page } = keysetList(CONTACTS, q);
    const p = new SqlParams();
    const name = `concat_ws(' ', c.first_name, c.last_name)`;
    const where: string[] = [];
    if (q.name !== undefined) where.push(`${name} ILIKE '%' || ${p.add(escapeLike(q.name))} || '%'`);
    if (q.email !== undefined) where.push(`c.email ILIKE '%' || ${p.add(escapeLike(q.email))} || '%'`);
    if (q.title !== undefined) where.push(`c.title ILIKE '%' || ${p.add(escapeLike(q.title))} || '%'`);
    if (q.accountId !== undefined) where.push(`c.account_id = ${p.add(q.accountId)}`);
    if (after) where.push(`(${name} COLLATE "C", c.id) > (${p.add(String(after.v))}, ${p.add(after.id)})`);
    const rows = await this.rows(
      `SELECT ${CONTACT_COLUMNS} FROM ${S}.contacts c LEFT JOIN ${S}.accounts a ON a.id = c.account_id
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${name} COLLATE "C", c.id LIMIT ${p.add(q.limit + 1)}`,
      p,
      call,
    );
    return page(rows.map(toContact));
  }

  async listOpenCases(q: CaseSearch, call: UpstreamCall): Promise<Page<Case>> {
    const { after, page } = keysetList(CASES, q);
    const p = new SqlParams();
    const where = [`k.account_id = ${p.add(q.accountId)}`, 'NOT k.is_closed'];
    if (q.priority !== undefined) where.push(`k.priority = ${p.add(q.priority)}`);
    if (after)
      where.push(`(k.created_at, k.id) < (${p.add(String(after.v))}::timestamptz, ${p.add(after.id)})`);
    const rows = await this.rows(
      `SELECT ${CASE_COLUMNS} FROM ${S}.cases k LEFT JOIN ${S}.contacts c ON c.id = k.contact_id
       WHERE ${where.join(' AND ')} ORDER BY k.created_at DESC, k.id DESC LIMIT ${p.add(q.limit + 1)}`,
      p,
      call,
    );
    return page(rows.map(toCase));
  }

  async listRenewals(q: RenewalSearch, call: UpstreamCall): Promise<Page<Contract>> {
    const { after, page } = keysetList(RENEWALS, q);
    const p = new SqlParams();
    const where = [
      `k.status = 'Activated'`,
      `k.end_date >= ${p.add(q.from)}`,
      `k.end_date <= ${p.add(q.to)}`,
    ];
    if (q.owner !== undefined) where.push(`u.name ILIKE '%' || ${p.add(escapeLike(q.owner))} || '%'`);
    if (after) where.push(`(k.end_date, k.id) > (${p.add(String(after.v))}::date, ${p.add(after.id)})`);
    const rows = await this.rows(
      `SELECT ${CONTRACT_COLUMNS} FROM ${S}.contracts k LEFT JOIN ${S}.accounts a ON a.id = k.account_id
       LEFT JOIN ${S}.users u ON u.id = k.owner_id
       WHERE ${where.join(' AND ')} ORDER BY k.end_date, k.id LIMIT ${p.add(q.limit + 1)}`,
      p,
      call,
    );
    return page(rows.map(toContract));
  }

  async describeRecord(recordId: string, call: UpstreamCall): Promise<RecordLabel | undefined> {
    const type = recordTypeOf(recordId);
    const query =
      type === 'Account'
        ? `SELECT id, name, id AS account_id FROM ${S}.accounts WHERE id = $1`
        : type === 'Contact'
          ? `SELECT id, concat_ws(' ', first_name, last_name) AS name, account_id FROM ${S}.contacts WHERE id = $1`
          : type === 'Opportunity'
            ? `SELECT id, name, account_id FROM ${S}.opportunities WHERE id = $1`
            : undefined;
    if (!type || !query) return undefined;
    const [row] = await this.rows(query, [recordId], call);
    return row
      ? { id: String(row.id), type, name: String(row.name), accountId: s(row.account_id) }
      : undefined;
  }

  private async nextId(prefix: string, call: UpstreamCall): Promise<string> {
    const [row] = await this.rows(`SELECT nextval('${S}.record_seq') AS n`, [], call);
    return `${prefix}SB${String(row!.n).padStart(13, '0')}`;
  }

  async logActivity(input: NewActivity, call: UpstreamCall): Promise<{ id: string; activity: Activity }> {
    const { relatedTo } = input;
    const id = await this.nextId('00T', call);
    const whatId = relatedTo.type === 'Contact' ? relatedTo.accountId : relatedTo.id;
    const whoId = relatedTo.type === 'Contact' ? relatedTo.id : null;
    await this.rows(
      `INSERT INTO ${S}.tasks (id, account_id, what_id, who_id, subject, type, status, activity_date, owner_id, description)
       VALUES ($1, $2, $3, $4, $5, $6, 'Completed', $7, $8, $9)`,
      [
        id,
        relatedTo.accountId,
        whatId,
        whoId,
        input.subject,
        input.type,
        input.date,
        INTEGRATION_USER.id,
        input.description ?? null,
      ],
      call,
    );
    const [row] = await this.rows(
      `SELECT ${TASK_COLUMNS} FROM ${S}.tasks t LEFT JOIN ${S}.users u ON u.id = t.owner_id WHERE t.id = $1`,
      [id],
      call,
    );
    return { id, activity: toActivity(row!) };
  }

  async updateOpportunityStage(input: StageUpdate, call: UpstreamCall): Promise<OpportunityDetail> {
    const closed = input.stage === 'Closed Won' || input.stage === 'Closed Lost';
    await this.rows(
      `UPDATE ${S}.opportunities SET stage = $2, probability = $3, is_closed = $4, is_won = $5,
         next_step = COALESCE($6, next_step), updated_at = now() WHERE id = $1`,
      [
        input.opportunityId,
        input.stage,
        STAGE_PROBABILITY[input.stage],
        closed,
        input.stage === 'Closed Won',
        input.nextStep ?? null,
      ],
      call,
    );
    const after = await this.getOpportunity(input.opportunityId, call);
    if (!after) throw new Error(`opportunity ${input.opportunityId} vanished during update`);
    return after;
  }

  async createOpportunity(input: NewOpportunity, call: UpstreamCall): Promise<OpportunityDetail> {
    const id = await this.nextId('006', call);
    await this.rows(
      `INSERT INTO ${S}.opportunities (id, account_id, name, stage, amount, close_date, probability, owner_id, next_step,
         type, forecast_category, description, is_closed, is_won)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'New Business', 'Pipeline', $10, false, false)`,
      [
        id,
        input.accountId,
        input.name,
        input.stage,
        input.amount ?? null,
        input.closeDate,
        STAGE_PROBABILITY[input.stage],
        INTEGRATION_USER.id,
        input.nextStep ?? null,
        input.description ?? null,
      ],
      call,
    );
    return (await this.getOpportunity(id, call))!;
  }

  async ready(): Promise<{ ok: boolean; detail?: string }> {
    try {
      await this.pool.query(`SELECT 1 FROM ${S}.meta LIMIT 1`);
      return { ok: true };
    } catch (error) {
      return {
        ok: false,
        detail: `sandbox database: ${error instanceof Error ? error.message : 'unreachable'}`,
      };
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
