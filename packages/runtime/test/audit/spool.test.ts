import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describeWithPostgres, listen } from '@mcp-platform/test-support';
import pg from 'pg';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AuditRecord, AuditTrail, createAuditFeature, makeRecord } from '../../src/audit/index.ts';
import { SPOOL_FILE, Spool } from '../../src/audit/spool.ts';
import {
  auditDatabase,
  auditRecord,
  buildApp,
  connectClient,
  errorOf,
  RecordStore,
  SERVER,
  type TestDatabase,
  tempDir,
  testDefinition,
} from './support.ts';
import { tcpSwitch } from './tcp-switch.ts';

function row(name = 'get_record'): AuditRecord {
  return auditRecord({ name, subject: 'alice', arguments: { id: '006A' }, durationMs: 1.5 });
}

describe('the local spool', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir('spool');
  });
  afterEach(async () => {
    await dir.remove();
  });

  it('appends only what fits under the cap, replays in order and empties itself once consumed', async () => {
    const lineBytes = Buffer.byteLength(`${JSON.stringify(row())}\n`);
    const spool = new Spool(dir.path, lineBytes * 3 + 10);
    await spool.open();
    const rows = [row('a'), row('b'), row('c'), row('d')];
    expect(await spool.append(rows)).toBe(3);
    expect(await spool.append([row('e')])).toBe(0);
    const first = await spool.peek(2);
    expect(first.records.map((r) => r.name)).toEqual(['a', 'b']);
    await spool.consume(first.endOffset);
    expect(spool.hasPending).toBe(true);
    const rest = await spool.peek(10);
    expect(rest.records.map((r) => r.name)).toEqual(['c']);
    await spool.consume(rest.endOffset);
    expect(spool.bytes).toBe(0);
    expect(await readFile(join(dir.path, SPOOL_FILE), 'utf8')).toBe('');
    await spool.close();
  });

  it('cuts a torn last line left by a crash and skips unparseable lines', async () => {
    const good = row('kept');
    await writeFile(
      join(dir.path, SPOOL_FILE),
      `${JSON.stringify(good)}\nnot json\n${JSON.stringify(row('torn')).slice(0, 40)}`,
    );
    const spool = new Spool(dir.path, 1 << 20);
    const { repairedBytes } = await spool.open();
    expect(repairedBytes).toBe(40);
    const { records } = await spool.peek(10);
    expect(records).toEqual([good]);
    expect(spool.corruptLines).toBe(1);
    await spool.close();
  });

  it('refuses a second writer on the same directory', async () => {
    const a = new Spool(dir.path, 1024);
    await a.open();
    await expect(new Spool(dir.path, 1024).open()).rejects.toThrow(/already used/);
    await a.close();
    const b = new Spool(dir.path, 1024);
    await b.open();
    await b.close();
  });

  it('reads lines longer than one read chunk', async () => {
    const big = makeRecord({ ...row('big'), arguments: { blob: 'x'.repeat(600_000) } });
    const spool = new Spool(dir.path, 10 << 20);
    await spool.open();
    await spool.append([big, row('after')]);
    const { records } = await spool.peek(10);
    expect(records.map((r) => r.name)).toEqual(['big', 'after']);
    await spool.close();
  });
});

describeWithPostgres('audit spool at its cap', (databaseUrl) => {
  let db: TestDatabase;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let proxy: Awaited<ReturnType<typeof tcpSwitch>>;

  beforeAll(async () => {
    db = await auditDatabase(databaseUrl, 'audit_cap');
    dir = await tempDir('audit-cap');
    const target = new URL(db.url);
    proxy = await tcpSwitch({ host: target.hostname, port: Number(target.port || 5432) });
  });
  afterAll(async () => {
    await proxy?.close();
    await db?.drop();
    await dir?.remove();
  });

  it('refuses new calls (no row is ever dropped) until PostgreSQL is back, then catches up', async () => {
    const viaProxy = new URL(db.url);
    viaProxy.port = String(proxy.port);
    const registry = new Registry();
    const lineBytes = Buffer.byteLength(`${JSON.stringify(row())}\n`);
    const audit = await createAuditFeature({
      server: SERVER,
      databaseUrl: viaProxy.toString(),
      spoolDir: dir.path,
      // Room for a handful of rows only (each admitted call reserves an upper estimate of its row).
      spoolMaxBytes: lineBytes * 8,
      flushIntervalMs: 10,
      retryMinMs: 20,
      retryMaxMs: 50,
      registry,
    });
    const app = await buildApp(testDefinition(new RecordStore()), [audit]);
    const client = await connectClient(await listen(app), { user: 'eve' });

    await proxy.off();
    let served = 0;
    let refused: unknown;
    for (let i = 0; i < 50 && refused === undefined; i++) {
      const result = await client.callTool({ name: 'get_record', arguments: { id: '006A' } });
      if (result.isError) refused = result;
      else served += 1;
      await audit.trail.flush();
    }
    expect(errorOf(refused)).toMatchObject({ code: 'AUDIT_UNAVAILABLE', retryable: true });
    expect(served).toBeGreaterThanOrEqual(3);
    expect(audit.trail.accepting()).toBe(false);
    expect(await registry.getSingleMetricAsString('mcp_audit_saturated')).toMatch(/mcp_audit_saturated 1$/m);
    expect((await audit.ready?.())?.ok).toBe(false);

    await proxy.on();
    const deadline = Date.now() + 20_000;
    while (!(audit.trail.accepting() && audit.trail.status().spoolBytes === 0) && Date.now() < deadline) {
      await audit.trail.flush();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(audit.trail.accepting()).toBe(true);
    const after = await client.callTool({ name: 'get_record', arguments: { id: '006B' } });
    expect(after.isError).toBeFalsy();
    await client.close();
    await app.close();
    await audit.close?.();

    // A Client, not a Pool: Client.end() resolves once the connection is closed, whereas a pool's
    // end() resolves while its clients are still closing, and afterAll's DROP ... WITH (FORCE) then
    // kills one mid-close (an unhandled 57P01 that fails the run).
    const reader = new pg.Client({ connectionString: db.url });
    await reader.connect();
    const { rows } = await reader.query(
      `SELECT count(*)::int AS n FROM audit_log WHERE event = 'call' AND outcome = 'ok'`,
    );
    await reader.end();
    expect(rows[0].n).toBe(served + 1);
  });
});

describe('a trail that never started', () => {
  it('refuses intents once closed', async () => {
    const pool = new pg.Pool({ connectionString: 'postgres://127.0.0.1:1/x' });
    const trail = new AuditTrail({ pool, spoolDir: '/nonexistent' });
    await trail.close();
    await expect(trail.recordNow(row())).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    await pool.end();
  });
});
