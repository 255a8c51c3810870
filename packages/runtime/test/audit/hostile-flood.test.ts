import { describeWithPostgres } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { verifyChains } from '../../src/audit/index.ts';
import { type FullStack, startFullStack } from '../../src/testing/full-stack.ts';
import { acmeDefinition } from '../fixtures.ts';
import { createTestDatabase } from './support.ts';

const ACCEPT = 'application/json, text/event-stream';

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { [`k\u0000${i}`]: value };
  return value;
}

/** Raw JSON text, so lone surrogates and NUL travel as the escapes an attacker would send. */
const HOSTILE_BODIES: string[] = [
  '{"a\\u0000b":"x"}',
  '{"\\ud800":"lone high surrogate key"}',
  '{"\\udfff\\u0000":{"\\ud83d":"\\ud800"}}',
  JSON.stringify({ blob: 'x'.repeat(400 * 1024) }),
  JSON.stringify(nested(40)),
  JSON.stringify(Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}\u0000`, i]))),
];

describeWithPostgres('audit: a flood of hostile rows from a scope-less token', (databaseUrl) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let stack: FullStack;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase(databaseUrl, 'audit_flood');
    stack = await startFullStack({ definition: acmeDefinition(), databaseUrl: db.url });
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
  });

  afterAll(async () => {
    await stack?.close();
    await pool?.end();
    await db?.drop();
  });

  const call = async (token: string, tool: string, argumentsJson: string, id: number) => {
    const body = `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"${tool}","arguments":${argumentsJson}}}`;
    const response = await fetch(`${stack.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: ACCEPT,
        'mcp-protocol-version': '2025-06-18',
      },
      body,
    });
    return { status: response.status, text: await response.text() };
  };

  it('keeps write tools working, /readyz honest, the chain verifiable and every row stored', async () => {
    const scopeless = await stack.token('', 'mallory');
    const reader = await stack.token('acme:read', 'mallory-reader');
    let id = 0;
    let sent = 0;
    for (let round = 0; round < 3; round++) {
      for (const args of HOSTILE_BODIES) {
        // Refused with 403 (audited with its raw arguments) and refused by validation (audited too).
        expect((await call(scopeless, 'update_account', args, ++id)).status).toBe(403);
        expect((await call(reader, 'search_accounts', args, ++id)).status).toBe(200);
        sent += 2;
      }
    }
    const writer = await stack.token('acme:read acme:write', 'alice');
    const write = await call(writer, 'update_account', '{"id":"001","name":"Acme"}', ++id);
    expect(write.status).toBe(200);
    expect(write.text).toContain('renamed 001');
    expect(write.text).not.toContain('AUDIT_UNAVAILABLE');

    const audit = stack.server.features.find((f) => f.name === 'audit') as unknown as {
      trail: { flush(): Promise<void>; status(): Record<string, unknown> };
    };
    await audit.trail.flush();
    expect(audit.trail.status()).toMatchObject({ databaseHealthy: true, rowsSpooled: 0, saturated: false });
    const ready = await fetch(`${stack.url}/readyz`);
    expect(ready.status).toBe(200);
    const report = (await ready.json()) as { checks: Record<string, { ok: boolean; detail?: string }> };
    expect(report.checks.audit).toEqual({ ok: true });

    const { rows } = await pool.query<{ subject: string; n: string; biggest: string }>(
      `SELECT subject, count(*) AS n, max(octet_length(arguments::text)) AS biggest
         FROM audit_log WHERE event = 'call' GROUP BY subject ORDER BY subject`,
    );
    const bySubject = Object.fromEntries(rows.map((r) => [r.subject, r]));
    expect(Number(bySubject.mallory?.n) + Number(bySubject['mallory-reader']?.n)).toBe(sent);
    expect(Number(bySubject.alice?.n)).toBe(1);
    // Oversize arguments are a digest plus an excerpt, not 400 KB per refused call.
    expect(Number(bySubject.mallory?.biggest)).toBeLessThan(20 * 1024);
    const truncated = await pool.query(
      `SELECT count(*) AS n FROM audit_log WHERE arguments->>'$audit' = 'truncated' AND subject = 'mallory'`,
    );
    expect(Number(truncated.rows[0].n)).toBe(3 * 3);
    expect((await verifyChains(pool)).broken).toEqual([]);
  });
});
