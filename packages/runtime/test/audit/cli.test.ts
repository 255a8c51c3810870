import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describeWithPostgres, listen } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApprovalsFeature } from '../../src/approvals/index.ts';
import { createAuditFeature, migrate, parseSince } from '../../src/audit/index.ts';
import {
  auditDatabase,
  buildApp,
  connectClient,
  errorOf,
  mintState,
  RecordStore,
  SERVER,
  type TestDatabase,
  tempDir,
  testDefinition,
} from './support.ts';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
// Exactly what `pnpm run audit` runs (node, its flags and the CLI path), without pnpm's start-up cost.
const AUDIT_SCRIPT = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { audit: string } }
).scripts.audit;
const NODE_ARGS = AUDIT_SCRIPT.split(/\s+/).slice(1);

describeWithPostgres('pnpm audit (query, verify, migrate)', (databaseUrl) => {
  let db: TestDatabase;
  let spool: Awaited<ReturnType<typeof tempDir>>;
  const cli = (args: string[]) =>
    run(process.execPath, [...NODE_ARGS, ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: db.url },
    });

  beforeAll(async () => {
    db = await auditDatabase(databaseUrl, 'audit_cli');
    spool = await tempDir('audit-cli');
    // A realistic history: alice changes 006A after confirming; bob closes 006B after carol approves.
    const store = new RecordStore();
    const audit = await createAuditFeature({ server: SERVER, databaseUrl: db.url, spoolDir: spool.path });
    const approvals = createApprovalsFeature({
      server: SERVER,
      databaseUrl: db.url,
      audit: audit.trail,
      mintState,
    });
    const app = await buildApp(testDefinition(store), [audit, approvals]);
    const base = await listen(app);

    const alice = await connectClient(base, {
      user: 'alice@example.com',
      clientId: 'claude-desktop',
      era: '2025',
    });
    const args = {
      id: '006A',
      stage: 'Negotiation',
      note: 'customer asked',
      credentials: { apiKey: 'sk-hidden' },
    };
    const { approvalId } = errorOf(await alice.callTool({ name: 'update_stage', arguments: args }));
    // Alice confirms in the approvals console (what its confirm action stores), then the call runs.
    const confirmed = await approvals.decisions.decide(
      { subject: 'alice@example.com', kind: 'user', scopes: [], claims: {} },
      approvalId!,
      'approved',
      null,
      'console-request',
      'console',
    );
    if (!confirmed.ok) throw new Error(confirmed.message);
    await alice.callTool({ name: 'update_stage', arguments: { ...args, approvalId } });
    await alice.callTool({ name: 'get_record', arguments: { id: '006A' } });
    await alice.close();

    const bob = await connectClient(base, { user: 'bob@example.com', clientId: 'vscode' });
    const closing = errorOf(
      await bob.callTool({ name: 'close_deal', arguments: { id: '006B', amount: 1200 } }),
    );
    const decision = await app.inject({
      method: 'POST',
      url: `/approvals/${closing.approvalId}/approve`,
      headers: {
        'x-test-user': 'carol@example.com',
        'x-test-scopes': `${SERVER}:approve`,
        'content-type': 'application/json',
      },
      payload: '{}',
    });
    expect(decision.statusCode).toBe(200);
    await bob.callTool({
      name: 'close_deal',
      arguments: { id: '006B', amount: 1200, approvalId: closing.approvalId },
    });
    await bob.close();

    await app.close();
    await approvals.close?.();
    await audit.close?.();
  });

  afterAll(async () => {
    await db?.drop();
    await spool?.remove();
  });

  it('answers who changed a record, through which client, when and with what arguments (pnpm run audit)', async () => {
    const { stdout } = await run(
      'pnpm',
      ['run', '--silent', 'audit', 'query', '--record', 'crm:Opportunity/006A'],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: db.url },
      },
    );
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^time \(UTC\)\s+principal\s+client\s+tool\s+outcome\s+records\s+approved by\s+arguments$/,
    );
    // Then the workflow the change belonged to: the 2025 client's verified session, all three calls.
    expect(lines[3]).toBe('');
    expect(lines[4]).toMatch(
      /^Workflow MCP session [0-9a-f]{32}: 3 calls on crm-test, .* by alice@example\.com$/,
    );
    expect(lines.slice(7).map((l) => l.split(/\s{2,}/)[2])).toEqual([
      'update_stage',
      'update_stage',
      'get_record',
    ]);
    // The 2025-era client's name/version come from its signed session (declared at initialize).
    expect(lines[2]).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+alice@example\.com\s+claude-desktop \(audit-test-client 9\.9\.9\)\s+update_stage\s+ok\s+crm:Opportunity\/006A\s+alice@example\.com\s+\{"id":"006A","note":"customer asked","stage":"Negotiation","credentials":\{"apiKey":"\[REDACTED\]"\}\}$/,
    );
    expect(stdout).not.toContain('sk-hidden');
  });

  it('filters by principal, tool and time, and prints JSON with the approver', async () => {
    const { stdout } = await cli([
      'query',
      '--principal',
      'bob@example.com',
      '--tool',
      'close_deal',
      '--since',
      '1h',
      '--json',
    ]);
    const rows = JSON.parse(stdout) as Array<Record<string, unknown>>;
    expect(rows.map((r) => [r.outcome, r.errorCode])).toEqual([
      ['ok', null],
      ['approval_pending', 'APPROVAL_REQUIRED'],
    ]);
    expect(rows[0]).toMatchObject({
      principal: { subject: 'bob@example.com', clientId: 'vscode' },
      client: { era: '2026', protocolVersion: '2026-07-28' },
      arguments: { id: '006B', amount: 1200 },
      touched: ['crm:Opportunity/006B'],
      approval: { approvedBy: 'carol@example.com' },
    });
    const approvalsOnly = JSON.parse(
      (await cli(['query', '--events', 'approval.approved', '--json'])).stdout,
    );
    expect(approvalsOnly.map((r: { principal: { subject: string } }) => r.principal.subject).sort()).toEqual([
      'alice@example.com',
      'carol@example.com',
    ]);
  });

  it('verify exits 0 on an intact trail and 1, naming the row, after tampering', async () => {
    const ok = await cli(['verify']);
    expect(ok.stdout).toMatch(/^Verified \d+ rows in 1 chains\.\nAll chains intact\.\n$/);

    expect(await migrate(db.url)).toEqual([]);

    const pool = new pg.Pool({ connectionString: db.url });
    const client = await pool.connect();
    const { rows } = await client.query(
      `SELECT chain_seq FROM audit_log WHERE name = 'close_deal' AND outcome = 'ok' AND event = 'call'`,
    );
    await client.query('SET session_replication_role = replica');
    await client.query(
      `UPDATE audit_log SET arguments = '{"id":"006B","amount":1}' WHERE name = 'close_deal' AND outcome = 'ok' AND event = 'call'`,
    );
    client.release();
    await pool.end();
    const broken = await cli(['verify']).then(
      () => undefined,
      (error: { code: number; stdout: string }) => error,
    );
    expect(broken?.code).toBe(1);
    expect(broken?.stdout).toContain(`at chain_seq ${rows[0].chain_seq} `);
    expect(broken?.stdout).toContain('hash does not match the row contents (row modified)');
  });

  it('explains its usage and refuses bad input', async () => {
    const bad = await cli(['query', '--since', 'yesterday-ish']).catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(bad).toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--since yesterday-ish is neither'),
    });
    const refusals: Array<[string[], string]> = [
      [['--trace', 'not-a-trace'], 'is not a W3C trace id'],
      [['--trace', '4bf92f3577b34da6a3ce929d0e0e4736', '--record', 'crm:Opportunity/006A'], 'give one of'],
      [['--json', '--jsonl'], 'not both'],
      [['--until', 'later'], '--until later is neither'],
    ];
    for (const [args, message] of refusals) {
      const refused = await cli(['query', ...args]).catch((e: { code: number; stderr: string }) => e);
      expect(refused, args.join(' ')).toMatchObject({ code: 2, stderr: expect.stringContaining(message) });
    }
  });
});

describe('parseSince', () => {
  const now = new Date('2026-01-02T12:00:00Z');
  it('takes durations before now and ISO dates', () => {
    expect(parseSince('24h', now).toISOString()).toBe('2026-01-01T12:00:00.000Z');
    expect(parseSince('7d', now).toISOString()).toBe('2025-12-26T12:00:00.000Z');
    expect(parseSince('30m', now).toISOString()).toBe('2026-01-02T11:30:00.000Z');
    expect(parseSince('2025-06-01T00:00:00Z', now).toISOString()).toBe('2025-06-01T00:00:00.000Z');
    expect(() => parseSince('soon', now)).toThrow(/neither a duration/);
  });
});
