import { runWithCallSignal, ToolError } from '@mcp-platform/protocol';
import { callScopedAgent } from '@mcp-platform/runtime';
import type { Credential, TokenSource, UpstreamCall } from '@mcp-platform/server-kit';
import type { FastifyBaseLogger } from 'fastify';
import { Connection } from 'jsforce';
import { setDispatcher } from 'jsforce/lib/request.js';
import {
  type Account,
  type AccountOverview,
  type Activity,
  CASE_PRIORITIES,
  type Case,
  type Contact,
  type Contract,
  cap,
  INDUSTRIES,
  OPPORTUNITY_STAGES,
  type Opportunity,
  type OpportunityDetail,
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
import { type SalesforceAuth, salesforceTokenSource } from './salesforce-auth.ts';
import { errorCodeOf, mapSalesforceError, type Operation } from './salesforce-errors.ts';
import {
  dateLiteral,
  datetimeLiteral,
  idLiteral,
  keysetAfter,
  likeContains,
  numberLiteral,
  picklistLiteral,
  quote,
  soql,
} from './soql.ts';

export interface SalesforceBackendOptions {
  auth: SalesforceAuth;
  /** Pinned REST API version, e.g. `62.0`. */
  apiVersion: string;
  log: FastifyBaseLogger;
  /** Called with the org's API usage after every response that carries `Sforce-Limit-Info`. */
  onApiUsage?: (used: number, limit: number) => void;
}

import {
  ACCOUNT_FIELDS,
  CASE_FIELDS,
  CONTACT_FIELDS,
  CONTRACT_FIELDS,
  OPPORTUNITY_DETAIL_FIELDS,
  OPPORTUNITY_FIELDS,
  type SfRecord,
  str,
  TASK_FIELDS,
  toAccount,
  toActivity,
  toCase,
  toContact,
  toContract,
  toOpportunity,
  toOpportunityDetail,
} from './salesforce-records.ts';

const cancellableAgent = callScopedAgent();

interface QueryResult {
  done: boolean;
  nextRecordsUrl?: string;
  records: SfRecord[];
}

/**
 * The CRM operations over the Salesforce REST API through jsforce. One connection is reused for every
 * call; its token is refreshed once when Salesforce answers INVALID_SESSION_ID (concurrent calls
 * share one refresh), and every failure is mapped to a platform error naming the object involved.
 */
export class SalesforceBackend implements CrmBackend {
  readonly kind = 'salesforce' as const;
  private readonly options: SalesforceBackendOptions;
  /** The integration user's session (the kit's token source: single flight, refresh once). */
  private readonly auth: TokenSource;
  private connection: Connection | undefined;

  constructor(options: SalesforceBackendOptions) {
    this.options = options;
    this.auth = salesforceTokenSource(options.auth);
    // jsforce takes no signal per request: `call` runs each jsforce request in the scope of the
    // signal it was given, and this agent aborts the request when that signal fires (deadline,
    // client gone, shutdown), so no request outlives its call.
    setDispatcher(cancellableAgent);
  }

  // ---------------------------------------------------------------- session

  /** The shared connection carrying the current session (fetched when there is none). */
  private async connect(signal?: AbortSignal): Promise<{ conn: Connection; credential: Credential }> {
    let credential: Credential;
    try {
      credential = await this.auth.get(signal);
    } catch (error) {
      throw mapAuthError(error);
    }
    const accessToken = credential.bearerToken();
    const instanceUrl = credential.fields.instance_url;
    if (accessToken === undefined || typeof instanceUrl !== 'string') {
      throw mapAuthError(new Error('Salesforce token response lacks access_token or instance_url'));
    }
    if (this.connection === undefined) {
      // No oauth2 client on the connection: jsforce would otherwise refresh on every 401 without a
      // bound; this class refreshes exactly once per call.
      this.connection = new Connection({ version: this.options.apiVersion, instanceUrl, accessToken });
      this.options.log.info({ instanceUrl, flow: this.options.auth.flow }, 'salesforce session established');
    } else if (this.connection.accessToken !== accessToken) {
      this.connection.accessToken = accessToken;
      this.connection.instanceUrl = instanceUrl;
    }
    return { conn: this.connection, credential };
  }

  /**
   * Runs `fn` on the shared connection for `call`, refreshing the session once on INVALID_SESSION_ID.
   * Every jsforce request `fn` makes runs in the scope of the call's signal, so it is aborted with it.
   */
  private async call<T>(op: Operation, call: UpstreamCall, fn: (conn: Connection) => Promise<T>): Promise<T> {
    const { signal } = call;
    let { conn, credential } = await this.connect(signal);
    try {
      try {
        return await runWithCallSignal(signal, () => fn(conn));
      } catch (error) {
        if (errorCodeOf(error) !== 'INVALID_SESSION_ID') throw error;
        this.options.log.info({ object: op.object }, 'salesforce session expired; refreshing once');
        this.auth.invalidate(credential);
        ({ conn, credential } = await this.connect(signal));
        return await runWithCallSignal(signal, () => fn(conn));
      }
    } catch (error) {
      throw mapSalesforceError(error, op);
    } finally {
      this.recordUsage(conn);
    }
  }

  private recordUsage(conn: Connection): void {
    const usage = conn.limitInfo?.apiUsage;
    if (usage && this.options.onApiUsage) this.options.onApiUsage(usage.used, usage.limit);
  }

  /** Runs a query and follows `nextRecordsUrl` (queryMore) until `max` records or the end. */
  private async query(object: string, text: string, max: number, call: UpstreamCall): Promise<SfRecord[]> {
    return this.call({ object, action: 'read' }, call, async (conn) => {
      let result = (await conn.query(text)) as unknown as QueryResult;
      const records = [...result.records];
      while (!result.done && result.nextRecordsUrl && records.length < max) {
        result = (await conn.queryMore(result.nextRecordsUrl)) as unknown as QueryResult;
        records.push(...result.records);
      }
      return records.slice(0, max);
    });
  }

  // ---------------------------------------------------------------- reads

  async searchAccounts(q: AccountSearch, call: UpstreamCall): Promise<Page<Account>> {
    const { after, page } = keysetList(ACCOUNTS, q);
    const where: string[] = [];
    if (q.name !== undefined) where.push(`Name LIKE ${likeContains(q.name)}`);
    if (q.industry !== undefined) where.push(`Industry = ${picklistLiteral(q.industry, INDUSTRIES)}`);
    if (q.owner !== undefined) where.push(`Owner.Name LIKE ${likeContains(q.owner)}`);
    if (after) where.push(keysetAfter('Name', quote(String(after.v)), after.id));
    const text = soql({
      select: ACCOUNT_FIELDS,
      from: 'Account',
      where,
      orderBy: ['Name ASC', 'Id ASC'],
      limit: q.limit + 1,
    });
    const rows = (await this.query('Account', text, q.limit + 1, call)).map(toAccount);
    return page(rows);
  }

  async getAccountOverview(
    accountId: string,
    o: OverviewOptions,
    call: UpstreamCall,
  ): Promise<AccountOverview | undefined> {
    const id = idLiteral(accountId);
    const today = dateLiteral(o.today);
    const n = o.perList + 1;
    const [accounts, opportunities, cases, contacts, tasks, contracts] = await Promise.all([
      this.query(
        'Account',
        soql({
          select: [...ACCOUNT_FIELDS, 'Description'],
          from: 'Account',
          where: [`Id = ${id}`],
          limit: 1,
        }),
        1,
        call,
      ),
      this.query(
        'Opportunity',
        soql({
          select: OPPORTUNITY_FIELDS,
          from: 'Opportunity',
          where: [`AccountId = ${id}`, 'IsClosed = false'],
          orderBy: ['CloseDate ASC', 'Id ASC'],
          limit: n,
        }),
        n,
        call,
      ),
      this.query(
        'Case',
        soql({
          select: CASE_FIELDS,
          from: 'Case',
          where: [`AccountId = ${id}`, 'IsClosed = false'],
          orderBy: ['CreatedDate DESC', 'Id DESC'],
          limit: n,
        }),
        n,
        call,
      ),
      this.query(
        'Contact',
        soql({
          select: CONTACT_FIELDS,
          from: 'Contact',
          where: [`AccountId = ${id}`],
          orderBy: ['LastActivityDate DESC NULLS LAST', 'Id ASC'],
          limit: n,
        }),
        n,
        call,
      ),
      this.query(
        'Task',
        soql({
          select: TASK_FIELDS,
          from: 'Task',
          where: [`AccountId = ${id}`, `ActivityDate <= ${today}`],
          orderBy: ['ActivityDate DESC', 'Id DESC'],
          limit: o.activities + 1,
        }),
        o.activities + 1,
        call,
      ),
      this.query(
        'Contract',
        soql({
          select: CONTRACT_FIELDS,
          from: 'Contract',
          where: [`AccountId = ${id}`, `Status = 'Activated'`, `EndDate >= ${today}`],
          orderBy: ['EndDate ASC', 'Id ASC'],
          limit: n,
        }),
        n,
        call,
      ),
    ]);
    const account = accounts[0];
    if (!account) return undefined;
    return assembleOverview(
      { ...toAccount(account), description: cap(str(account, 'Description')) },
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
    const where = ['IsClosed = false'];
    if (q.owner !== undefined) where.push(`Owner.Name LIKE ${likeContains(q.owner)}`);
    if (q.stage !== undefined) where.push(`StageName = ${picklistLiteral(q.stage, OPPORTUNITY_STAGES)}`);
    if (q.accountId !== undefined) where.push(`AccountId = ${idLiteral(q.accountId)}`);
    if (q.closeFrom !== undefined) where.push(`CloseDate >= ${dateLiteral(q.closeFrom)}`);
    if (q.closeTo !== undefined) where.push(`CloseDate <= ${dateLiteral(q.closeTo)}`);
    if (q.minAmount !== undefined) where.push(`Amount >= ${numberLiteral(q.minAmount)}`);
    if (after) where.push(keysetAfter('CloseDate', dateLiteral(String(after.v)), after.id));
    const text = soql({
      select: OPPORTUNITY_FIELDS,
      from: 'Opportunity',
      where,
      orderBy: ['CloseDate ASC', 'Id ASC'],
      limit: q.limit + 1,
    });
    const rows = (await this.query('Opportunity', text, q.limit + 1, call)).map(toOpportunity);
    return page(rows);
  }

  async getOpportunity(opportunityId: string, call: UpstreamCall): Promise<OpportunityDetail | undefined> {
    const text = soql({
      select: OPPORTUNITY_DETAIL_FIELDS,
      from: 'Opportunity',
      where: [`Id = ${idLiteral(opportunityId)}`],
      limit: 1,
    });
    const [row] = await this.query('Opportunity', text, 1, call);
    return row ? toOpportunityDetail(row) : undefined;
  }

  async findContacts(q: ContactSearch, call: UpstreamCall): Promise<Page<Contact>> {
    const { after, page } = keysetList(CONTACTS, q);
    const where: string[] = [];
    if (q.name !== undefined) where.push(`Name LIKE ${likeContains(q.name)}`);
    if (q.email !== undefined) where.push(`Email LIKE ${likeContains(q.email)}`);
    if (q.title !== undefined) where.push(`Title LIKE ${likeContains(q.title)}`);
    if (q.accountId !== undefined) where.push(`AccountId = ${idLiteral(q.accountId)}`);
    if (after) where.push(keysetAfter('Name', quote(String(after.v)), after.id));
    const text = soql({
      select: CONTACT_FIELDS,
      from: 'Contact',
      where,
      orderBy: ['Name ASC', 'Id ASC'],
      limit: q.limit + 1,
    });
    const rows = (await this.query('Contact', text, q.limit + 1, call)).map(toContact);
    return page(rows);
  }

  async listOpenCases(q: CaseSearch, call: UpstreamCall): Promise<Page<Case>> {
    const { after, page } = keysetList(CASES, q);
    const where = [`AccountId = ${idLiteral(q.accountId)}`, 'IsClosed = false'];
    if (q.priority !== undefined) where.push(`Priority = ${picklistLiteral(q.priority, CASE_PRIORITIES)}`);
    if (after) where.push(keysetAfter('CreatedDate', datetimeLiteral(String(after.v)), after.id, 'DESC'));
    const text = soql({
      select: CASE_FIELDS,
      from: 'Case',
      where,
      orderBy: ['CreatedDate DESC', 'Id DESC'],
      limit: q.limit + 1,
    });
    const rows = (await this.query('Case', text, q.limit + 1, call)).map(toCase);
    return page(rows);
  }

  async listRenewals(q: RenewalSearch, call: UpstreamCall): Promise<Page<Contract>> {
    const { after, page } = keysetList(RENEWALS, q);
    const where = [
      `Status = 'Activated'`,
      `EndDate >= ${dateLiteral(q.from)}`,
      `EndDate <= ${dateLiteral(q.to)}`,
    ];
    if (q.owner !== undefined) where.push(`Owner.Name LIKE ${likeContains(q.owner)}`);
    if (after) where.push(keysetAfter('EndDate', dateLiteral(String(after.v)), after.id));
    const text = soql({
      select: CONTRACT_FIELDS,
      from: 'Contract',
      where,
      orderBy: ['EndDate ASC', 'Id ASC'],
      limit: q.limit + 1,
    });
    const rows = (await this.query('Contract', text, q.limit + 1, call)).map(toContract);
    return page(rows);
  }

  async describeRecord(recordId: string, call: UpstreamCall): Promise<RecordLabel | undefined> {
    const type = recordTypeOf(recordId);
    if (!type) return undefined;
    const fields = type === 'Account' ? ['Id', 'Name'] : ['Id', 'Name', 'AccountId'];
    try {
      const record = (await this.call({ object: type, action: 'read' }, call, (conn) =>
        conn.retrieve(type, recordId, { fields }),
      )) as SfRecord;
      return {
        id: String(record.Id),
        type,
        name: String(record.Name ?? ''),
        accountId: type === 'Account' ? String(record.Id) : str(record, 'AccountId'),
      };
    } catch (error) {
      if (error instanceof Error && (error as { code?: unknown }).code === 'NOT_FOUND') return undefined;
      throw error;
    }
  }

  // ---------------------------------------------------------------- writes

  async logActivity(input: NewActivity, call: UpstreamCall): Promise<{ id: string; activity: Activity }> {
    const { relatedTo } = input;
    const record: SfRecord = {
      Subject: input.subject,
      Type: input.type,
      Status: 'Completed',
      Priority: 'Normal',
      ActivityDate: dateLiteral(input.date),
      ...(input.description === undefined ? {} : { Description: input.description }),
      ...(relatedTo.type === 'Contact'
        ? { WhoId: relatedTo.id, ...(relatedTo.accountId ? { WhatId: relatedTo.accountId } : {}) }
        : { WhatId: relatedTo.id }),
    };
    const id = await this.create('Task', record, call);
    const text = soql({ select: TASK_FIELDS, from: 'Task', where: [`Id = ${idLiteral(id)}`], limit: 1 });
    const [row] = await this.query('Task', text, 1, call);
    const activity: Activity = row
      ? toActivity(row)
      : {
          id,
          subject: input.subject,
          type: input.type,
          status: 'Completed',
          activityDate: input.date,
          relatedToId: (record.WhatId as string | undefined) ?? null,
          contactId: (record.WhoId as string | undefined) ?? null,
          ownerName: null,
          description: cap(input.description ?? null, 300),
        };
    return { id, activity };
  }

  async updateOpportunityStage(input: StageUpdate, call: UpstreamCall): Promise<OpportunityDetail> {
    idLiteral(input.opportunityId);
    const changes: SfRecord = {
      Id: input.opportunityId,
      StageName: input.stage,
      ...(input.nextStep === undefined ? {} : { NextStep: input.nextStep }),
    };
    await this.call({ object: 'Opportunity', action: 'edit' }, call, async (conn) => {
      const result = await conn.update('Opportunity', changes as never);
      assertSaved(result);
    });
    const after = await this.getOpportunity(input.opportunityId, call);
    if (!after)
      throw mapSalesforceError({ errorCode: 'NOT_FOUND' }, { object: 'Opportunity', action: 'read' });
    return after;
  }

  async createOpportunity(input: NewOpportunity, call: UpstreamCall): Promise<OpportunityDetail> {
    idLiteral(input.accountId);
    const id = await this.create(
      'Opportunity',
      {
        AccountId: input.accountId,
        Name: input.name,
        StageName: input.stage,
        CloseDate: dateLiteral(input.closeDate),
        ...(input.amount === undefined ? {} : { Amount: input.amount }),
        ...(input.nextStep === undefined ? {} : { NextStep: input.nextStep }),
        ...(input.description === undefined ? {} : { Description: input.description }),
      },
      call,
    );
    const created = await this.getOpportunity(id, call);
    if (!created)
      throw mapSalesforceError({ errorCode: 'NOT_FOUND' }, { object: 'Opportunity', action: 'read' });
    return created;
  }

  private async create(object: string, record: SfRecord, call: UpstreamCall): Promise<string> {
    return this.call({ object, action: 'create' }, call, async (conn) => {
      const result = await conn.create(object, record as never);
      assertSaved(result);
      return String((result as unknown as { id: string }).id);
    });
  }

  // ---------------------------------------------------------------- lifecycle

  async ready(): Promise<{ ok: boolean; detail?: string }> {
    try {
      await this.connect();
      return { ok: true };
    } catch (error) {
      return { ok: false, detail: `salesforce: ${error instanceof Error ? error.message : 'unreachable'}` };
    }
  }

  async close(): Promise<void> {
    this.connection = undefined;
  }
}

function assertSaved(result: unknown): void {
  const r = result as { success?: boolean; errors?: unknown[] };
  if (r.success === false) {
    const first = (r.errors?.[0] ?? {}) as { statusCode?: string; errorCode?: string; message?: string };
    throw Object.assign(new Error(first.message ?? 'save failed'), {
      errorCode: first.errorCode ?? first.statusCode,
    });
  }
}

function mapAuthError(error: unknown): Error {
  if (error instanceof ToolError) return error;
  const name = error instanceof Error ? error.name : 'error';
  const mapped = mapSalesforceError(error, { object: 'session', action: 'read' });
  if (mapped !== error) return mapped as Error;
  return Object.assign(
    new Error(
      `Salesforce authentication failed (${name}); check SALESFORCE_* credentials and the connected app`,
    ),
    { cause: error },
  );
}
