import { randomUUID } from 'node:crypto';
import type { Caller } from '@mcp-platform/protocol';
import { describeWithPostgres } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApprovalAudit } from '../../src/approvals/audit-steps.ts';
import { ApprovalDecisions } from '../../src/approvals/decisions.ts';
import { ApprovalStore, type Binding } from '../../src/approvals/store.ts';
import { migrate } from '../../src/audit/index.ts';
import { createTestDatabase } from '../audit/support.ts';

const SERVER = 'finance-test';
const approver = (subject: string): Caller => ({
  subject,
  kind: 'user',
  scopes: [`${SERVER}:approve`],
  claims: {},
});

describeWithPostgres('approver requests that need two distinct approvers', (databaseUrl) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let pool: pg.Pool;
  let store: ApprovalStore;
  let decisions: ApprovalDecisions;
  const now = () => new Date();

  beforeAll(async () => {
    db = await createTestDatabase(databaseUrl, 'distinct_approvers');
    await migrate(db.url);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    store = new ApprovalStore(pool);
    decisions = new ApprovalDecisions({
      server: SERVER,
      store,
      audit: new ApprovalAudit(undefined, SERVER),
      approverScopes: [`${SERVER}:approve`],
      ttlMs: 60_000,
      now,
    });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const request = async (approvalsRequired?: number) => {
    const id = randomUUID();
    const binding: Binding = {
      server: SERVER,
      tool: 'create_thing',
      argsHash: 'h',
      requesterSubject: 'rita',
      requesterClientId: '',
    };
    await store.create({
      id,
      server: SERVER,
      tool: binding.tool,
      policy: 'approver',
      argsHash: binding.argsHash,
      arguments: {},
      preview: { summary: 'x', changes: {} },
      requesterSubject: 'rita',
      requesterClientId: '',
      createdAt: now(),
      expiresAt: new Date(Date.now() + 60_000),
      correlationId: null,
      ...(approvalsRequired === undefined ? {} : { approvalsRequired }),
    });
    return { id, binding };
  };

  it('stays pending after the first approval, refuses the same approver twice and the requester, runs after a second person', async () => {
    const { id, binding } = await request(2);
    const first = await decisions.decide(approver('mona'), id, 'approved', null, 'c1', 'http');
    expect(first).toMatchObject({ ok: true, request: { status: 'pending', approvedBy: ['mona'] } });
    // Not executable yet.
    expect(await store.consume(id, binding, now())).toBeUndefined();
    const again = await decisions.decide(approver('mona'), id, 'approved', null, 'c2', 'http');
    expect(again).toMatchObject({ ok: false, status: 409, code: 'APPROVAL_ALREADY_DECIDED' });
    expect(decisions.mayDecide(approver('mona'), (await store.get(id, SERVER))!, false)).toBe(false);
    const self = await decisions.decide(approver('rita'), id, 'approved', null, 'c3', 'http');
    expect(self).toMatchObject({ ok: false, code: 'APPROVAL_SELF_DECISION' });
    const second = await decisions.decide(approver('max'), id, 'approved', null, 'c4', 'http');
    expect(second).toMatchObject({
      ok: true,
      request: { status: 'approved', approvedBy: ['mona', 'max'], decidedBy: 'max' },
    });
    expect(await store.consume(id, binding, now())).toMatchObject({ status: 'executed' });
    expect(await store.consume(id, binding, now())).toBeUndefined();
  });

  it('closes on a rejection by any approver, even after a first approval', async () => {
    const { id, binding } = await request(2);
    await decisions.decide(approver('mona'), id, 'approved', null, 'c1', 'http');
    const rejected = await decisions.decide(approver('max'), id, 'rejected', 'too expensive', 'c2', 'http');
    expect(rejected).toMatchObject({ ok: true, request: { status: 'rejected', approvedBy: ['mona'] } });
    expect(await store.consume(id, binding, now())).toBeUndefined();
  });

  it('keeps one approval enough by default', async () => {
    const { id } = await request();
    const decided = await decisions.decide(approver('mona'), id, 'approved', null, 'c1', 'http');
    expect(decided).toMatchObject({
      ok: true,
      request: { status: 'approved', approvalsRequired: 1, approvedBy: ['mona'] },
    });
  });
});
