import { describeWithPostgres } from '@mcp-platform/test-support';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { type ApprovalsFeature, createApprovalsFeature } from '../../src/approvals/index.ts';
import { type AuditFeature, createAuditFeature, migrate, verifyChains } from '../../src/audit/index.ts';
import {
  buildApp,
  connectClient,
  createTestDatabase,
  errorOf,
  mintState,
  RecordStore,
  SERVER,
  tempDir,
  testDefinition,
} from '../audit/support.ts';

const TTL_MS = 10 * 60_000;
const APPROVER = `${SERVER}:approve`;

describeWithPostgres('approvals for writes', (databaseUrl) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let spools: Array<Awaited<ReturnType<typeof tempDir>>> = [];
  let pool: pg.Pool;
  let store: RecordStore;
  let clock = Date.now();
  const replicas: Array<{
    app: FastifyInstance;
    base: string;
    audit: AuditFeature;
    approvals: ApprovalsFeature;
  }> = [];
  let base: string;
  let app: FastifyInstance;

  beforeAll(async () => {
    db = await createTestDatabase(databaseUrl, 'approvals');
    await migrate(db.url);
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    store = new RecordStore();
    // Two replicas on one database: approvals issued by one are consumed through the other.
    for (const name of ['a', 'b']) {
      const spool = await tempDir(`approvals-${name}`);
      spools.push(spool);
      const audit = await createAuditFeature({
        server: SERVER,
        databaseUrl: db.url,
        spoolDir: spool.path,
        flushIntervalMs: 20,
      });
      const approvals = createApprovalsFeature({
        server: SERVER,
        databaseUrl: db.url,
        audit: audit.trail,
        ttlMs: TTL_MS,
        mintState,
        publicUrl: 'http://acme.test',
        now: () => new Date(clock),
      });
      const replica = await buildApp(testDefinition(store), [audit, approvals]);
      await replica.listen({ host: '127.0.0.1', port: 0 });
      replicas.push({
        app: replica,
        base: `http://127.0.0.1:${(replica.server.address() as { port: number }).port}`,
        audit,
        approvals,
      });
    }
    app = replicas[0]!.app;
    base = replicas[0]!.base;
  });

  afterAll(async () => {
    for (const r of replicas) {
      await r.app.close();
      await r.approvals.close?.();
      await r.audit.close?.();
    }
    await pool?.end();
    await db?.drop();
    for (const s of spools) await s.remove();
    spools = [];
  });

  beforeEach(() => {
    store.writes.length = 0;
    store.records.get('006A')!.stage = 'Prospecting';
    store.records.get('006B')!.stage = 'Qualification';
    clock = Date.now();
  });

  const approvalRow = async (id: string) =>
    (await pool.query('SELECT * FROM approval_requests WHERE id = $1', [id])).rows[0];

  const auditEvents = async (approvalId: string) => {
    for (const r of replicas) await r.audit.trail.flush();
    const { rows } = await pool.query(
      `SELECT event, subject, outcome, error_code, detail FROM audit_log WHERE approval_id = $1 ORDER BY at, seq`,
      [approvalId],
    );
    return rows;
  };

  const http = (
    method: 'GET' | 'POST',
    url: string,
    user?: { subject: string; scopes?: string },
    body?: unknown,
  ) =>
    app.inject({
      method,
      url,
      headers: {
        ...(user ? { 'x-test-user': user.subject, 'x-test-scopes': user.scopes ?? '' } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });

  const update = { id: '006A', stage: 'Negotiation', credentials: { apiKey: 'sk-live-123' } };

  /** What the console does when the requester, signed in as themself, confirms their `confirm` request. */
  const confirmAs = async (subject: string, approvalId: string | undefined) => {
    const confirmed = await replicas[0]!.approvals.decisions.decide(
      { subject, kind: 'user', scopes: [], claims: {} },
      approvalId!,
      'approved',
      null,
      'console-request',
      'console',
    );
    expect(confirmed).toMatchObject({ ok: true, request: { status: 'approved', decidedBy: subject } });
  };

  it('confirm, approval-id flow: preview first, nothing changes until the call is repeated with the approval id', async () => {
    const alice = await connectClient(base, { user: 'alice', era: '2025' });
    const first = errorOf(await alice.callTool({ name: 'update_stage', arguments: update }));
    expect(first).toMatchObject({
      code: 'APPROVAL_REQUIRED',
      retryable: true,
      policy: 'confirm',
      preview: {
        summary: 'Move opportunity 006A (Acme renewal) from Prospecting to Negotiation.',
        changes: { StageName: { from: 'Prospecting', to: 'Negotiation' } },
        records: ['crm:Opportunity/006A'],
      },
    });
    expect(first.hint).toMatch(/confirm it there \(you cannot confirm it\)/);
    expect(new Date(first.expiresAt as string).getTime()).toBe(clock + TTL_MS);
    expect(store.writes).toEqual([]);

    // The agent's re-call is not a confirmation.
    const recall = errorOf(
      await alice.callTool({ name: 'update_stage', arguments: { ...update, approvalId: first.approvalId } }),
    );
    expect(recall).toMatchObject({ code: 'APPROVAL_PENDING', retryable: true, policy: 'confirm' });
    expect(recall.hint).toContain(
      `open http://acme.test/approvals/requests/${first.approvalId}, sign in as themself`,
    );
    expect(store.writes).toEqual([]);
    await confirmAs('alice', first.approvalId);

    const done = await alice.callTool({
      name: 'update_stage',
      arguments: { ...update, approvalId: first.approvalId },
    });
    await alice.close();
    expect(done.isError).toBeFalsy();
    expect(store.writes).toEqual([{ id: '006A', stage: 'Negotiation' }]);

    const approval = await approvalRow(first.approvalId!);
    expect(approval).toMatchObject({
      status: 'executed',
      requester_subject: 'alice',
      requester_client_id: 'test-client',
    });
    expect(approval.arguments).toEqual({ ...update, credentials: { apiKey: '[REDACTED]' } });
    const events = await auditEvents(first.approvalId!);
    // Intents are written synchronously and the rest in batches, so compare without order.
    expect(events.map((e) => `${e.event}:${e.outcome}`).sort()).toEqual(
      [
        // The first call's intent was stored before the approval existed, so only the second carries its id.
        'approval.requested:pending',
        'call:approval_pending',
        'intent:pending',
        'approval.refused:approval_pending',
        'call:approval_pending',
        'intent:pending',
        'approval.approved:ok',
        'approval.executed:ok',
        'call:ok',
      ].sort(),
    );
    expect(JSON.stringify(events)).not.toContain('sk-live-123');
  });

  it('confirm, 2026 input_required flow: the client elicits the confirmation and the call runs in one callTool', async () => {
    const alice = await connectClient(base, {
      user: 'alice',
      elicit: () => ({ action: 'accept', content: { approve: true } }),
    });
    const result = await alice.callTool({
      name: 'update_stage',
      arguments: { id: '006B', stage: 'Proposal' },
    });
    await alice.close();
    expect(result.isError).toBeFalsy();
    expect(alice.elicited).toHaveLength(1);
    expect(alice.elicited[0]).toContain(
      'Move opportunity 006B (Globex upsell) from Qualification to Proposal.',
    );
    expect(alice.elicited[0]).toContain('- StageName: "Qualification" → "Proposal"');
    expect(store.writes).toEqual([{ id: '006B', stage: 'Proposal' }]);

    const { rows } = await pool.query(
      `SELECT id, status FROM approval_requests WHERE tool = 'update_stage' AND arguments->>'id' = '006B'`,
    );
    expect(rows).toEqual([{ id: expect.any(String), status: 'executed' }]);
    const events = await auditEvents(rows[0].id);
    expect(events.map((e) => `${e.event}:${e.outcome}`).sort()).toEqual(
      [
        'approval.requested:pending',
        'call:input_required',
        'intent:pending',
        'approval.approved:ok',
        'approval.executed:ok',
        'call:ok',
      ].sort(),
    );
    expect(events.find((e) => e.event === 'approval.executed')?.detail).toMatchObject({ via: 'elicitation' });
  });

  it('confirm, 2026: a declined elicitation changes nothing and closes the request', async () => {
    const alice = await connectClient(base, { user: 'alice', elicit: () => ({ action: 'decline' }) });
    const result = await alice.callTool({ name: 'update_stage', arguments: { id: '006B', stage: 'Lost' } });
    await alice.close();
    expect(errorOf(result).code).toBe('APPROVAL_DECLINED');
    expect(store.writes).toEqual([]);
    const { rows } = await pool.query(
      `SELECT status, decided_by FROM approval_requests WHERE arguments->>'stage' = 'Lost'`,
    );
    expect(rows).toEqual([{ status: 'rejected', decided_by: 'alice' }]);
  });

  it('a 2026 client that cannot elicit gets the approval-id flow', async () => {
    const alice = await connectClient(base, { user: 'alice' });
    const first = errorOf(
      await alice.callTool({ name: 'update_stage', arguments: { id: '006A', stage: 'Won' } }),
    );
    expect(first.code).toBe('APPROVAL_REQUIRED');
    await confirmAs('alice', first.approvalId);
    const done = await alice.callTool({
      name: 'update_stage',
      arguments: { id: '006A', stage: 'Won', approvalId: first.approvalId },
    });
    await alice.close();
    expect(done.isError).toBeFalsy();
    expect(store.writes).toEqual([{ id: '006A', stage: 'Won' }]);
  });

  it('confirm, 2026 URL-mode elicitation: the person is sent to the console; going there is not confirming', async () => {
    const alice = await connectClient(base, {
      user: 'alice',
      elicit: () => ({ action: 'accept' }),
      elicitModes: ['url'],
    });
    const refused = errorOf(await alice.callTool({ name: 'update_stage', arguments: update }));
    expect(alice.elicited).toHaveLength(1);
    expect(alice.elicited[0]).toMatch(
      new RegExp(`sign in as yourself.* http://acme\\.test/approvals/requests/${refused.approvalId}$`, 's'),
    );
    expect(refused).toMatchObject({ code: 'APPROVAL_PENDING', policy: 'confirm' });
    expect(store.writes).toEqual([]);
    await confirmAs('alice', refused.approvalId);
    const done = await alice.callTool({
      name: 'update_stage',
      arguments: { ...update, approvalId: refused.approvalId },
    });
    await alice.close();
    expect(done.isError).toBeFalsy();
    expect(store.writes).toEqual([{ id: '006A', stage: 'Negotiation' }]);
  });

  it('confirm opt-out (policy.agentMayConfirm): the re-call with the approval id is the confirmation', async () => {
    const definition = testDefinition(store);
    const optedOut = {
      ...definition,
      tools: definition.tools!.map((t) =>
        t.name === 'update_stage' ? { ...t, policy: { ...t.policy, agentMayConfirm: true } } : t,
      ),
    };
    const approvals = createApprovalsFeature({ server: SERVER, databaseUrl: db.url, mintState });
    const other = await buildApp(optedOut, [approvals]);
    await other.listen({ host: '127.0.0.1', port: 0 });
    try {
      const url = `http://127.0.0.1:${(other.server.address() as { port: number }).port}`;
      const alice = await connectClient(url, { user: 'alice', era: '2025' });
      const first = errorOf(await alice.callTool({ name: 'update_stage', arguments: update }));
      expect(first.hint).toMatch(/Once they confirm, call again/);
      const done = await alice.callTool({
        name: 'update_stage',
        arguments: { ...update, approvalId: first.approvalId },
      });
      await alice.close();
      expect(done.isError).toBeFalsy();
      expect(store.writes).toEqual([{ id: '006A', stage: 'Negotiation' }]);
    } finally {
      await other.close();
      await approvals.close?.();
    }
  });

  it('replay: an approval executes exactly one call', async () => {
    const alice = await connectClient(base, { user: 'alice', era: '2025' });
    const { approvalId } = errorOf(await alice.callTool({ name: 'update_stage', arguments: update }));
    await confirmAs('alice', approvalId);
    const args = { ...update, approvalId };
    expect((await alice.callTool({ name: 'update_stage', arguments: args })).isError).toBeFalsy();
    const replay = errorOf(await alice.callTool({ name: 'update_stage', arguments: args }));
    await alice.close();
    expect(replay).toMatchObject({ code: 'APPROVAL_ALREADY_USED', retryable: false });
    expect(store.writes).toHaveLength(1);
    const events = await auditEvents(approvalId!);
    expect(events.filter((e) => e.event === 'approval.refused').map((e) => e.error_code)).toEqual([
      'APPROVAL_ALREADY_USED',
    ]);
  });

  it('argument tampering: the approval is bound to the exact arguments it previewed', async () => {
    const alice = await connectClient(base, { user: 'alice', era: '2025' });
    const { approvalId } = errorOf(await alice.callTool({ name: 'update_stage', arguments: update }));
    await confirmAs('alice', approvalId);
    for (const tampered of [
      { ...update, stage: 'Closed Won' },
      { ...update, id: '006B' },
      { ...update, note: 'extra' },
    ]) {
      const refused = errorOf(
        await alice.callTool({ name: 'update_stage', arguments: { ...tampered, approvalId } }),
      );
      expect(refused.code).toBe('APPROVAL_ARGUMENTS_MISMATCH');
    }
    // A different tool with an approval of this one.
    const otherTool = errorOf(
      await alice.callTool({ name: 'close_deal', arguments: { id: '006A', amount: 1, approvalId } }),
    );
    expect(otherTool.code).toBe('APPROVAL_INVALID');
    expect(store.writes).toEqual([]);
    // The untampered call still goes through.
    expect(
      (await alice.callTool({ name: 'update_stage', arguments: { ...update, approvalId } })).isError,
    ).toBeFalsy();
    await alice.close();
    expect(store.writes).toEqual([{ id: '006A', stage: 'Negotiation' }]);
  });

  it('expiry: an approval past its TTL is refused and marked expired', async () => {
    const alice = await connectClient(base, { user: 'alice', era: '2025' });
    const { approvalId } = errorOf(await alice.callTool({ name: 'update_stage', arguments: update }));
    await confirmAs('alice', approvalId);
    clock += TTL_MS + 1;
    const refused = errorOf(
      await alice.callTool({ name: 'update_stage', arguments: { ...update, approvalId } }),
    );
    await alice.close();
    expect(refused.code).toBe('APPROVAL_EXPIRED');
    expect(store.writes).toEqual([]);
    expect((await approvalRow(approvalId!)).status).toBe('expired');
    expect((await auditEvents(approvalId!)).map((e) => e.event)).toContain('approval.expired');
  });

  it("someone else's approval id (another user, or the same user through another client) is refused", async () => {
    const alice = await connectClient(base, { user: 'alice', era: '2025' });
    const { approvalId } = errorOf(await alice.callTool({ name: 'update_stage', arguments: update }));
    await confirmAs('alice', approvalId);
    const mallory = await connectClient(base, { user: 'mallory', era: '2025' });
    const aliceElsewhere = await connectClient(base, {
      user: 'alice',
      clientId: 'other-client',
      era: '2025',
    });
    for (const thief of [mallory, aliceElsewhere]) {
      const refused = errorOf(
        await thief.callTool({ name: 'update_stage', arguments: { ...update, approvalId } }),
      );
      expect(refused.code).toBe('APPROVAL_INVALID');
      await thief.close();
    }
    expect(store.writes).toEqual([]);
    const refusals = (await auditEvents(approvalId!)).filter((e) => e.event === 'approval.refused');
    expect(refusals.map((e) => [e.subject, e.error_code])).toEqual([
      ['mallory', 'APPROVAL_INVALID'],
      ['alice', 'APPROVAL_INVALID'],
    ]);
    expect(refusals[0].detail).toMatchObject({ approvalOwner: { subject: 'alice' } });
    // The rightful owner can still use it.
    expect(
      (await alice.callTool({ name: 'update_stage', arguments: { ...update, approvalId } })).isError,
    ).toBeFalsy();
    await alice.close();
  });

  it('double execution: concurrent calls with one approval, across two replicas, run the write once', async () => {
    const alice = await connectClient(base, { user: 'alice', era: '2025' });
    const { approvalId } = errorOf(await alice.callTool({ name: 'update_stage', arguments: update }));
    await confirmAs('alice', approvalId);
    await alice.close();
    const clients = await Promise.all(
      replicas.flatMap((r) => [0, 1, 2].map(() => connectClient(r.base, { user: 'alice', era: '2025' }))),
    );
    const results = await Promise.all(
      clients.map((c) => c.callTool({ name: 'update_stage', arguments: { ...update, approvalId } })),
    );
    await Promise.all(clients.map((c) => c.close()));
    const ok = results.filter((r) => !r.isError);
    expect(ok).toHaveLength(1);
    expect(results.filter((r) => r.isError).map((r) => errorOf(r).code)).toEqual(
      Array(5).fill('APPROVAL_ALREADY_USED'),
    );
    expect(store.writes).toHaveLength(1);
  });

  it('approver: a different person with the approver scope approves through /approvals; then the call runs', async () => {
    // Alice is an approver too, and her client can elicit: neither lets her approve her own request.
    const alice = await connectClient(base, {
      user: 'alice',
      scopes: APPROVER,
      elicit: () => ({ action: 'accept', content: { approve: true } }),
    });
    const first = errorOf(
      await alice.callTool({ name: 'close_deal', arguments: { id: '006B', amount: 5000 } }),
    );
    expect(first).toMatchObject({ code: 'APPROVAL_REQUIRED', policy: 'approver' });
    expect(alice.elicited).toEqual([]);
    const id = first.approvalId!;

    expect((await http('GET', '/approvals')).statusCode).toBe(401);
    expect(
      (await http('GET', '/approvals', { subject: 'carol', scopes: `${SERVER}:write` })).statusCode,
    ).toBe(403);
    const listed = await http('GET', '/approvals', { subject: 'bob', scopes: APPROVER });
    expect(listed.statusCode).toBe(200);
    expect(listed.json().approvals).toEqual([
      expect.objectContaining({
        id,
        tool: 'close_deal',
        policy: 'approver',
        status: 'pending',
        arguments: { id: '006B', amount: 5000 },
        requester: { subject: 'alice', clientId: 'test-client' },
        preview: expect.objectContaining({ summary: 'Close opportunity 006B as won for 5000.' }),
      }),
    ]);
    expect((await http('GET', `/approvals/${id}`, { subject: 'alice' })).json()).toMatchObject({
      id,
      status: 'pending',
    });
    expect((await http('GET', `/approvals/${id}`, { subject: 'carol' })).statusCode).toBe(404);

    const pending = errorOf(
      await alice.callTool({ name: 'close_deal', arguments: { id: '006B', amount: 5000, approvalId: id } }),
    );
    expect(pending).toMatchObject({ code: 'APPROVAL_PENDING', retryable: true });

    const self = await http('POST', `/approvals/${id}/approve`, { subject: 'alice', scopes: APPROVER }, {});
    expect(self.statusCode).toBe(403);
    expect(self.json()).toMatchObject({ error: 'APPROVAL_SELF_DECISION' });
    expect((await http('POST', `/approvals/${id}/approve`, { subject: 'carol' }, {})).statusCode).toBe(403);
    expect(
      (await http('POST', `/approvals/${id}/approve`, { subject: 'bob', scopes: APPROVER }, { reason: 42 }))
        .statusCode,
    ).toBe(400);
    expect(store.writes).toEqual([]);

    const approved = await http(
      'POST',
      `/approvals/${id}/approve`,
      { subject: 'bob', scopes: APPROVER },
      { reason: 'Deal desk OK' },
    );
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', decidedBy: 'bob', reason: 'Deal desk OK' });
    expect(
      (await http('POST', `/approvals/${id}/reject`, { subject: 'dan', scopes: APPROVER }, {})).statusCode,
    ).toBe(409);

    // The approver cannot run it either: the approval is bound to alice.
    const bob = await connectClient(replicas[1]!.base, { user: 'bob', scopes: APPROVER });
    expect(
      errorOf(
        await bob.callTool({ name: 'close_deal', arguments: { id: '006B', amount: 5000, approvalId: id } }),
      ).code,
    ).toBe('APPROVAL_INVALID');
    await bob.close();

    const done = await alice.callTool({
      name: 'close_deal',
      arguments: { id: '006B', amount: 5000, approvalId: id },
    });
    await alice.close();
    expect(done.isError).toBeFalsy();
    expect(store.writes).toEqual([{ id: '006B', stage: 'Closed Won' }]);
    const events = await auditEvents(id);
    expect(
      events.filter((e) => e.event.startsWith('approval.')).map((e) => [e.event, e.subject, e.error_code]),
    ).toEqual([
      ['approval.requested', 'alice', null],
      ['approval.refused', 'alice', 'APPROVAL_PENDING'],
      ['approval.refused', 'alice', 'APPROVAL_SELF_DECISION'],
      ['approval.approved', 'bob', null],
      ['approval.refused', 'dan', 'APPROVAL_ALREADY_DECIDED'],
      ['approval.refused', 'bob', 'APPROVAL_INVALID'],
      ['approval.executed', 'alice', null],
    ]);
  });

  it('approver: a rejected request never runs, and the caller learns why', async () => {
    const alice = await connectClient(base, { user: 'alice', era: '2025' });
    const { approvalId } = errorOf(
      await alice.callTool({ name: 'close_deal', arguments: { id: '006A', amount: 10 } }),
    );
    const rejected = await http(
      'POST',
      `/approvals/${approvalId}/reject`,
      { subject: 'bob', scopes: APPROVER },
      { reason: 'Wrong amount' },
    );
    expect(rejected.json()).toMatchObject({ status: 'rejected', decidedBy: 'bob' });
    const refused = errorOf(
      await alice.callTool({ name: 'close_deal', arguments: { id: '006A', amount: 10, approvalId } }),
    );
    await alice.close();
    expect(refused).toMatchObject({ code: 'APPROVAL_REJECTED', reason: 'Wrong amount' });
    expect(store.writes).toEqual([]);
  });

  it('approver: an expired request cannot be approved any more', async () => {
    const alice = await connectClient(base, { user: 'alice', era: '2025' });
    const { approvalId } = errorOf(
      await alice.callTool({ name: 'close_deal', arguments: { id: '006A', amount: 7 } }),
    );
    await alice.close();
    clock += TTL_MS + 1;
    const late = await http(
      'POST',
      `/approvals/${approvalId}/approve`,
      { subject: 'bob', scopes: APPROVER },
      {},
    );
    expect(late.statusCode).toBe(410);
    expect((await approvalRow(approvalId!)).status).toBe('expired');
    const listed = await http('GET', '/approvals', { subject: 'bob', scopes: APPROVER });
    expect(listed.json().approvals.map((a: { id: string }) => a.id)).not.toContain(approvalId);
  });

  it('unknown and malformed approval ids are refused without touching the handler', async () => {
    const alice = await connectClient(base, { user: 'alice', era: '2025' });
    for (const approvalId of [
      '00000000-0000-4000-8000-000000000000',
      'not-a-uuid',
      "'; DROP TABLE approval_requests; --",
    ]) {
      expect(
        errorOf(await alice.callTool({ name: 'update_stage', arguments: { ...update, approvalId } })).code,
      ).toBe('APPROVAL_INVALID');
    }
    await alice.close();
    expect(store.writes).toEqual([]);
    expect(
      (await http('GET', '/approvals/not-a-uuid', { subject: 'bob', scopes: APPROVER })).statusCode,
    ).toBe(404);
  });

  it('every audit chain still verifies after all of this', async () => {
    for (const r of replicas) await r.audit.trail.flush();
    const report = await verifyChains(pool);
    expect(report.broken).toEqual([]);
    expect(report.chains).toBe(2);
  });
});
