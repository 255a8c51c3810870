import { randomUUID } from 'node:crypto';
import { traceContextOf } from '@mcp-platform/protocol';
import { describeWithPostgres } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AuditRecord,
  AuditTrail,
  canonicalJson,
  GENESIS_HASH,
  makeRecord,
  mcpSessionDigest,
  rowHash,
  sha256Hex,
  traceCorrelation,
  verifyChains,
} from '../../src/audit/index.ts';
import { auditDatabase, SERVER, type TestDatabase, tempDir } from './support.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT = '00f067aa0ba902b7';

function record(extra: Partial<AuditRecord> = {}): AuditRecord {
  return makeRecord({
    id: randomUUID(),
    at: '2026-12-06T02:47:00.000Z',
    server: SERVER,
    event: 'call',
    kind: 'tool',
    name: 'update_stage',
    subject: 'alice',
    principalKind: 'user',
    clientId: 'c1',
    clientName: 'claude-code',
    clientVersion: '2.1.7',
    protocolEra: '2026',
    protocolVersion: '2026-07-28',
    correlationId: 'req-1',
    traceId: TRACE,
    arguments: { id: '006A' },
    outcome: 'ok',
    errorCode: null,
    durationMs: 3,
    resultBytes: 12,
    resultSha256: 'a'.repeat(64),
    touched: ['crm:Opportunity/006A'],
    approvalId: null,
    detail: null,
    ...extra,
  });
}

describe('hash form of correlated rows', () => {
  it('a row without correlation fields hashes exactly as rows written before they existed (form v1)', () => {
    const r = record();
    const unhashed = { ...r, chainId: 'crm/x', chainSeq: 1 };
    // The version-1 canonical form, spelled out field by field as chain.ts wrote it before.
    const v1 = canonicalJson({
      v: 1,
      id: r.id,
      chainId: 'crm/x',
      chainSeq: 1,
      at: r.at,
      server: r.server,
      event: r.event,
      kind: r.kind,
      name: r.name,
      subject: r.subject,
      principalKind: r.principalKind,
      clientId: r.clientId,
      clientName: r.clientName,
      clientVersion: r.clientVersion,
      protocolEra: r.protocolEra,
      protocolVersion: r.protocolVersion,
      correlationId: r.correlationId,
      traceId: r.traceId,
      arguments: r.arguments,
      outcome: r.outcome,
      errorCode: r.errorCode,
      durationMs: r.durationMs,
      resultBytes: r.resultBytes,
      resultSha256: r.resultSha256,
      touched: r.touched,
      approvalId: r.approvalId,
      detail: r.detail,
    });
    expect(rowHash(GENESIS_HASH, unhashed)).toBe(sha256Hex(GENESIS_HASH + v1));
    // Explicit nulls (a row read back from the new columns) are the same row.
    expect(rowHash(GENESIS_HASH, { ...unhashed, idpSession: null, mcpSession: null })).toBe(
      sha256Hex(GENESIS_HASH + v1),
    );
  });

  it('covers every correlation field: changing or clearing one changes the hash', () => {
    const r = {
      ...record({ idpSession: 'sid-1', tokenId: 'jti-1', parentSpanId: PARENT }),
      chainId: 'c',
      chainSeq: 1,
    };
    const hash = rowHash(GENESIS_HASH, r);
    for (const change of [
      { idpSession: 'sid-2' },
      { idpSession: null },
      { tokenId: null },
      { parentSpanId: 'ffffffffffffffff' },
      { traceState: 'x=1' },
      { mcpSession: 'm' },
    ]) {
      expect(rowHash(GENESIS_HASH, { ...r, ...change }), JSON.stringify(change)).not.toBe(hash);
    }
  });

  it('keeps unset correlation fields out of the record (spool lines stay as small as before)', () => {
    expect(Object.keys(record())).not.toContain('idpSession');
    expect(record({ idpSession: 'sid-1' }).idpSession).toBe('sid-1');
  });
});

describe('trace context of a request', () => {
  const header = `00-${TRACE}-${PARENT}-01`;
  const meta = `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01`;

  it('takes _meta (SEP-414) over the HTTP headers, and the headers when _meta has none', () => {
    const message = { params: { _meta: { traceparent: meta, tracestate: 'a=1' } } };
    expect(traceContextOf({ traceparent: header, tracestate: 'h=1' }, message)).toEqual({
      traceparent: meta,
      tracestate: 'a=1',
      traceSource: 'meta',
    });
    expect(traceContextOf({ traceparent: header, tracestate: 'h=1' }, { params: {} })).toEqual({
      traceparent: header,
      tracestate: 'h=1',
      traceSource: 'header',
    });
    expect(traceContextOf({}, { params: { _meta: { traceparent: 42 } } })).toEqual({});
    expect(traceContextOf({ traceparent: 'x'.repeat(600) }, undefined)).toEqual({});
  });

  it('records a malformed trace context as absent, and a 2025 session only as its digest', () => {
    expect(traceCorrelation({ traceparent: `00-${'0'.repeat(32)}-${PARENT}-01`, tracestate: 'a=1' })).toEqual(
      {},
    );
    expect(traceCorrelation({ traceparent: header, tracestate: 'nul\u0000' })).toMatchObject({
      traceState: 'nul\ufffd',
    });
    const session = 'v1.eyJzdWJqZWN0IjoiYWxpY2UifQ.c2lnbmF0dXJl';
    const columns = traceCorrelation({ traceparent: header, traceSource: 'meta', sessionId: session });
    expect(columns).toEqual({
      parentSpanId: PARENT,
      traceSource: 'meta',
      mcpSession: mcpSessionDigest(session),
    });
    expect(columns.mcpSession).toMatch(/^[0-9a-f]{32}$/);
  });
});

describeWithPostgres('correlated rows in PostgreSQL', (databaseUrl) => {
  let db: TestDatabase;
  let pool: pg.Pool;
  let dir: Awaited<ReturnType<typeof tempDir>>;

  beforeAll(async () => {
    db = await auditDatabase(databaseUrl, 'audit_corr');
    pool = new pg.Pool({ connectionString: db.url, max: 2 });
    dir = await tempDir('audit-corr');
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
    await dir?.remove();
  });

  it('old-form and correlated rows verify on one chain; clearing a correlation column is caught', async () => {
    const trail = new AuditTrail({ pool, spoolDir: dir.path, chainId: `${SERVER}/corr` });
    await trail.start();
    const correlated = record({
      idpSession: 'sid-7',
      tokenId: 'jti-7',
      parentSpanId: PARENT,
      traceSource: 'meta',
    });
    trail.record(record());
    trail.record(correlated);
    trail.record(record());
    await trail.close();
    expect(await verifyChains(pool)).toEqual({ chains: 1, rows: 3, broken: [] });
    const stored = await pool.query(
      'SELECT idp_session, token_id, parent_span_id, trace_source FROM audit_log WHERE id = $1',
      [correlated.id],
    );
    expect(stored.rows[0]).toEqual({
      idp_session: 'sid-7',
      token_id: 'jti-7',
      parent_span_id: PARENT,
      trace_source: 'meta',
    });

    const admin = await pool.connect();
    try {
      // Someone with the power to bypass the append-only trigger hides which session made the call.
      await admin.query('SET session_replication_role = replica');
      await admin.query('UPDATE audit_log SET idp_session = NULL WHERE id = $1', [correlated.id]);
      await admin.query('RESET session_replication_role');
    } finally {
      admin.release();
    }
    const report = await verifyChains(pool);
    expect(report.broken).toEqual([
      expect.objectContaining({ id: correlated.id, reason: expect.stringContaining('modified') }),
    ]);
  });
});
