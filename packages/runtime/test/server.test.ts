import { createTestDatabase, describeWithPostgres, type TestDatabase } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalsFeature } from '../src/approvals/index.ts';
import { migrate } from '../src/audit/migrate.ts';
import type { RuntimeFeature } from '../src/feature.ts';
import { orderFeatures } from '../src/feature-order.ts';
import { type FullStack, startFullStack } from '../src/testing/full-stack.ts';
import { acmeDefinition, handled } from './fixtures.ts';
import { bearer, resultOf, rpc, testServer } from './helpers.ts';

describe('feature order', () => {
  it('sorts interceptors by stage (names of the well-known features count), stable within a stage', () => {
    const f = (name: string, stage?: RuntimeFeature['stage']): RuntimeFeature => ({
      name,
      ...(stage ? { stage } : {}),
    });
    const ordered = orderFeatures([
      f('domain-a'),
      f('approvals'),
      f('rate-limit'),
      f('authorization'),
      f('audit'),
      f('mine', 'observe'),
      f('observability'),
      f('domain-b'),
    ]);
    expect(ordered.map((x) => x.name)).toEqual([
      'mine',
      'observability',
      'audit',
      'authorization',
      'rate-limit',
      'approvals',
      'domain-a',
      'domain-b',
    ]);
    expect(() => orderFeatures([f('x'), f('x')])).toThrow(/registered twice/);
  });

  it('composes the built-in features in the documented order', async () => {
    const server = await testServer();
    try {
      expect(server.features.map((x) => x.name)).toEqual([
        'observability',
        'lifecycle',
        'deprecation',
        'authorization',
        'rate-limit',
        'approvals-unavailable',
        'contract',
      ]);
    } finally {
      await server.app.close();
    }
  });

  it('refuses approval-gated tools when there is no approvals store (fails closed)', async () => {
    const server = await testServer();
    try {
      handled.length = 0;
      const res = await rpc(server.app, 'tools/call', {
        name: 'set_stage',
        arguments: { id: '1', stage: 'Won' },
      });
      expect(resultOf(res.body)).toMatchObject({
        isError: true,
        structuredContent: { code: 'APPROVAL_UNAVAILABLE' },
      });
      expect(handled).toEqual([]);
    } finally {
      await server.app.close();
    }
  });
});

describeWithPostgres('full stack on PostgreSQL (audit, approvals) and Redis', (databaseUrl) => {
  let db: TestDatabase;
  let stack: FullStack;
  let dbUrl: string;

  beforeAll(async () => {
    db = await createTestDatabase(databaseUrl, 'runtime_core');
    dbUrl = db.url;
    await migrate(dbUrl);
    stack = await startFullStack({
      definition: acmeDefinition(),
      databaseUrl: dbUrl,
      redisUrl: process.env.REDIS_URL,
    });
  });
  afterAll(async () => {
    await stack?.close();
    await db?.drop();
  });

  const post = async (token: string | undefined, method: string, params: Record<string, unknown>) => {
    const res = await fetch(`${stack.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18',
        traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
        ...(token === undefined ? {} : bearer(token)),
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 7, method, params }),
    });
    const text = await res.text();
    const data = text.startsWith('event:')
      ? (text.split('\n').find((l) => l.startsWith('data: ')) ?? '').slice(6)
      : text;
    return { status: res.status, body: JSON.parse(data) as Record<string, unknown> };
  };

  it('composes every feature in the documented order', () => {
    expect(stack.server.features.map((f) => f.name)).toEqual([
      'observability',
      'lifecycle',
      'deprecation',
      'audit',
      'authorization',
      'rate-limit',
      'approvals',
      'contract',
    ]);
  });

  it('audits calls with the verified principal and never the token', async () => {
    const token = await stack.issuer.token({ scope: 'acme:read acme:write', subject: 'auditor-1' });
    expect(
      (
        await post(token, 'tools/call', {
          name: 'update_account',
          arguments: { id: '42', name: 'N', apiKey: 'sk-SECRET' },
        })
      ).status,
    ).toBe(200);
    const denied = await post(
      await stack.issuer.token({ scope: 'acme:read', subject: 'auditor-1' }),
      'tools/call',
      { name: 'update_account', arguments: { id: '42', name: 'N' } },
    );
    expect(denied.status).toBe(403);
    const pool = new pg.Pool({ connectionString: dbUrl, max: 1 });
    try {
      let rows: Array<Record<string, unknown>> = [];
      for (let i = 0; i < 200 && rows.length === 0; i++) {
        rows = (
          await pool.query(
            `SELECT * FROM audit_log WHERE subject = 'auditor-1' AND name = 'update_account' AND event = 'call' AND outcome = 'ok'`,
          )
        ).rows;
        if (rows.length === 0) await new Promise((r) => setTimeout(r, 25));
      }
      expect(rows).toHaveLength(1);
      const row = rows[0];
      expect(row).toMatchObject({
        server: 'acme',
        subject: 'auditor-1',
        client_id: 'test-client',
        trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
      });
      expect(row?.touched).toEqual(['acme:Account/42']);
      let denied: Array<Record<string, unknown>> = [];
      for (let i = 0; i < 200 && denied.length === 0; i++) {
        denied = (
          await pool.query(`SELECT * FROM audit_log WHERE subject = 'auditor-1' AND outcome = 'denied'`)
        ).rows;
        if (denied.length === 0) await new Promise((r) => setTimeout(r, 25));
      }
      // Refused at the HTTP layer (403) before dispatch, and still on record.
      expect(denied).toHaveLength(1);
      expect(denied[0]).toMatchObject({
        name: 'update_account',
        error_code: 'INSUFFICIENT_SCOPE',
        detail: { requiredScopes: ['acme:write'] },
        arguments: { id: '42', name: 'N' },
      });
      const stored = JSON.stringify([...rows, ...denied]);
      expect(stored).not.toContain('sk-SECRET');
      expect(stored).not.toContain(token);
    } finally {
      await pool.end();
    }
  });

  it('runs approval-gated tools through the two-phase flow', async () => {
    const token = await stack.issuer.token({ scope: 'acme:write', subject: 'writer-1' });
    handled.length = 0;
    const first = await post(token, 'tools/call', {
      name: 'set_stage',
      arguments: { id: '9', stage: 'Won' },
    });
    const result = resultOf(first.body);
    expect(result).toMatchObject({ isError: true, structuredContent: { code: 'APPROVAL_REQUIRED' } });
    expect(handled).toEqual([]);
    const { approvalId } = result.structuredContent as { approvalId: string };
    // `confirm`: once the caller confirmed in the approvals console (what its confirm action stores),
    // calling again with the approval id executes it exactly once.
    const approvals = stack.server.features.find((f) => f.name === 'approvals') as ApprovalsFeature;
    const confirmed = await approvals.decisions.decide(
      { subject: 'writer-1', kind: 'user', scopes: [], claims: {} },
      approvalId,
      'approved',
      null,
      'console-request',
      'console',
    );
    expect(confirmed.ok).toBe(true);
    const again = await post(token, 'tools/call', {
      name: 'set_stage',
      arguments: { id: '9', stage: 'Won', approvalId },
    });
    expect(resultOf(again.body).content).toEqual([{ type: 'text', text: '9 is now Won' }]);
    expect(handled).toEqual(['set_stage']);
    const replay = await post(token, 'tools/call', {
      name: 'set_stage',
      arguments: { id: '9', stage: 'Won', approvalId },
    });
    expect(resultOf(replay.body)).toMatchObject({
      isError: true,
      structuredContent: { code: 'APPROVAL_ALREADY_USED' },
    });
    const unauthenticated = await fetch(`${stack.url}/approvals`);
    expect(unauthenticated.status).toBe(401);
  });

  it('exposes the audit gauges with the server label beside the runtime metrics', async () => {
    const text = await (await fetch(`${stack.url}/metrics`)).text();
    expect(text).toMatch(/^mcp_audit_queue_depth\{server="acme"\} \d+$/m);
    expect(text).toMatch(/^mcp_audit_spool_bytes\{server="acme"\} \d+$/m);
    expect(text).toMatch(/^mcp_tool_calls_total\{server="acme",tool="update_account",outcome="ok"\} 1$/m);
    expect(text).toMatch(
      /^mcp_tool_calls_total\{server="acme",tool="set_stage",outcome="approval_pending"\} 1$/m,
    );
    expect(text).toMatch(
      /^mcp_tool_calls_total\{server="acme",tool="set_stage",outcome="client_error"\} 1$/m,
    );
  });

  it('is ready when PostgreSQL and Redis answer', async () => {
    const res = await fetch(`${stack.url}/readyz`);
    expect(res.status).toBe(200);
    expect(Object.keys(((await res.json()) as { checks: object }).checks).sort()).toEqual([
      'approvals',
      'audit',
      'redis',
    ]);
  });
});
