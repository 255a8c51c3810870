import { createHash } from 'node:crypto';
import { describeWithPostgres, listen } from '@mcp-platform/test-support';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type AuditFeature, createAuditFeature, verifyChains } from '../../src/audit/index.ts';
import {
  auditDatabase,
  buildApp,
  connectClient,
  errorOf,
  RecordStore,
  SERVER,
  type TestDatabase,
  tempDir,
  testDefinition,
} from './support.ts';

describeWithPostgres('audit trail through the MCP stack', (databaseUrl) => {
  let db: TestDatabase;
  let spool: Awaited<ReturnType<typeof tempDir>>;
  let pool: pg.Pool;
  let audit: AuditFeature;
  let app: FastifyInstance;
  let base: string;
  const store = new RecordStore();

  beforeAll(async () => {
    db = await auditDatabase(databaseUrl, 'audit_trail');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    spool = await tempDir('audit-trail');
    audit = await createAuditFeature({
      server: SERVER,
      databaseUrl: db.url,
      spoolDir: spool.path,
      flushIntervalMs: 20,
    });
    app = await buildApp(testDefinition(store), [audit]);
    base = await listen(app);
  });

  afterAll(async () => {
    await app?.close();
    await audit?.close?.();
    await pool?.end();
    await db?.drop();
    await spool?.remove();
  });

  const rowsFor = async (correlation: { name: string; event?: string }) => {
    await audit.trail.flush();
    const { rows } = await pool.query(
      `SELECT * FROM audit_log WHERE name = $1 AND ($2::text IS NULL OR event = $2) ORDER BY seq`,
      [correlation.name, correlation.event ?? null],
    );
    return rows;
  };

  it('writes one row per read with principal, client, protocol, trace, arguments, outcome and result digest', async () => {
    const client = await connectClient(base, { user: 'alice@example.com', clientId: 'claude-desktop' });
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    // The transport sends the same headers on every request; add a traceparent for this call.
    const transport = client.transport as unknown as { _requestInit?: RequestInit };
    transport._requestInit = {
      headers: {
        ...(transport._requestInit?.headers as Record<string, string>),
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      },
    };
    const result = await client.callTool({ name: 'get_record', arguments: { id: '006B' } });
    await client.close();
    expect(result.isError).toBeFalsy();

    const rows = await rowsFor({ name: 'get_record' });
    expect(rows).toHaveLength(1);
    const row = rows[0];
    expect(row).toMatchObject({
      server: SERVER,
      event: 'call',
      kind: 'tool',
      subject: 'alice@example.com',
      principal_kind: 'user',
      client_id: 'claude-desktop',
      client_name: 'audit-test-client',
      client_version: '9.9.9',
      protocol_era: '2026',
      protocol_version: '2026-07-28',
      trace_id: traceId,
      arguments: { id: '006B' },
      outcome: 'ok',
      error_code: null,
      touched: [],
    });
    expect(row.correlation_id).toEqual(expect.any(String));
    expect(row.duration_ms).toBeGreaterThanOrEqual(0);
    const json = JSON.stringify({ content: result.content });
    expect(row.result_bytes).toBe(Buffer.byteLength(json));
    expect(row.result_sha256).toBe(createHash('sha256').update(json).digest('hex'));
  });

  it('stores a write intent before the handler runs and links the outcome row, with sensitive fields redacted', async () => {
    const client = await connectClient(base, { user: 'bob', era: '2025' });
    const result = await client.callTool({
      name: 'add_note',
      arguments: { id: '006A', text: 'called', token: 's3cr3t' },
    });
    await client.close();
    expect(result.isError).toBeFalsy();

    const rows = await rowsFor({ name: 'add_note' });
    expect(rows.map((r) => r.event)).toEqual(['intent', 'call']);
    const [intent, done] = rows;
    expect(intent).toMatchObject({ outcome: 'pending', subject: 'bob', protocol_era: '2025', touched: [] });
    expect(done).toMatchObject({
      outcome: 'ok',
      touched: ['crm:Note/006A-1'],
      detail: { intentId: intent.id },
    });
    for (const row of rows)
      expect(row.arguments).toEqual({ id: '006A', text: 'called', token: '[REDACTED]' });
    expect(JSON.stringify(rows)).not.toContain('s3cr3t');
  });

  it('records failed calls with their error code, invalid arguments as sent, and resource reads', async () => {
    const client = await connectClient(base, { user: 'carol' });
    expect(errorOf(await client.callTool({ name: 'get_record', arguments: { id: 'ZZZZ' } })).code).toBe(
      'NOT_FOUND',
    );
    expect(errorOf(await client.callTool({ name: 'get_record', arguments: { id: 42 } })).code).toBe(
      'INVALID_ARGUMENTS',
    );
    await client.readResource({ uri: 'crm://readme' });
    await client.close();

    const failed = (await rowsFor({ name: 'get_record' })).filter((r) => r.subject === 'carol');
    expect(failed.map((r) => [r.outcome, r.error_code, r.arguments])).toEqual([
      ['client_error', 'NOT_FOUND', { id: 'ZZZZ' }],
      ['client_error', 'INVALID_ARGUMENTS', { id: 42 }],
    ]);
    const resource = await rowsFor({ name: 'crm://readme' });
    expect(resource).toHaveLength(1);
    expect(resource[0]).toMatchObject({ kind: 'resource', outcome: 'ok', subject: 'carol' });
  });

  it('keeps the chain of this process verifiable', async () => {
    await audit.trail.flush();
    const report = await verifyChains(pool);
    expect(report.broken).toEqual([]);
    expect(report.chains).toBe(1);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM audit_log');
    expect(report.rows).toBe(rows[0].n);
  });
});

describeWithPostgres('audit trail while PostgreSQL is unreachable', (databaseUrl) => {
  let db: TestDatabase;
  let spool: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    db = await auditDatabase(databaseUrl, 'audit_down');
    spool = await tempDir('audit-down');
  });
  afterAll(async () => {
    await db?.drop();
    await spool?.remove();
  });

  it('fails a write closed (handler never runs), keeps reads working through the spool, and replays it on the next start', async () => {
    const store = new RecordStore();
    // Nothing listens on port 1: every connection attempt is refused.
    const down = await createAuditFeature({
      server: SERVER,
      databaseUrl: 'postgres://mcp:mcp@127.0.0.1:1/nowhere',
      spoolDir: spool.path,
      flushIntervalMs: 20,
    });
    const app = await buildApp(testDefinition(store), [down]);
    const base = await listen(app);
    const client = await connectClient(base, { user: 'dave' });

    const write = errorOf(await client.callTool({ name: 'add_note', arguments: { id: '006A', text: 'x' } }));
    expect(write).toMatchObject({ code: 'AUDIT_UNAVAILABLE', retryable: true });
    expect(store.writes).toEqual([]);

    for (const id of ['006A', '006B', '006A']) {
      const read = await client.callTool({ name: 'get_record', arguments: { id } });
      expect(read.isError).toBeFalsy();
    }
    await client.close();
    await down.trail.flush();
    // The refused write is on record too (spooled with the reads).
    expect(down.trail.status()).toMatchObject({ databaseHealthy: false, saturated: false, rowsSpooled: 4 });
    expect(down.trail.status().spoolBytes).toBeGreaterThan(0);
    await app.close();
    await down.close?.();

    // The next process (PostgreSQL reachable again) replays the spool before anything else.
    const up = await createAuditFeature({
      server: SERVER,
      databaseUrl: db.url,
      spoolDir: spool.path,
      flushIntervalMs: 20,
    });
    await up.trail.flush();
    expect(up.trail.status()).toMatchObject({ rowsReplayed: 4, spoolBytes: 0 });
    await up.close?.();
    const pool = new pg.Pool({ connectionString: db.url });
    const { rows } = await pool.query(
      `SELECT name, subject, arguments, outcome, error_code FROM audit_log ORDER BY chain_seq`,
    );
    const report = await verifyChains(pool);
    await pool.end();
    expect(rows).toEqual([
      {
        name: 'add_note',
        subject: 'dave',
        arguments: { id: '006A', text: 'x' },
        outcome: 'upstream_unavailable',
        error_code: 'AUDIT_UNAVAILABLE',
      },
      { name: 'get_record', subject: 'dave', arguments: { id: '006A' }, outcome: 'ok', error_code: null },
      { name: 'get_record', subject: 'dave', arguments: { id: '006B' }, outcome: 'ok', error_code: null },
      { name: 'get_record', subject: 'dave', arguments: { id: '006A' }, outcome: 'ok', error_code: null },
    ]);
    expect(report.broken).toEqual([]);
  });
});
