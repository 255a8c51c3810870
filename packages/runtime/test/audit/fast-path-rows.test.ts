import { describeWithPostgres, type TestDatabase } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { AuditFeature } from '../../src/audit/feature.ts';
import type { RuntimeServer } from '../../src/server.ts';
import { testServer } from '../helpers.ts';
import { auditDatabase, tempDir } from './support.ts';

/**
 * The same call through the fast path and through the SDK path leaves the same audit row, field by
 * field (client name and version, era, protocol version, arguments, outcome, result digest...), and
 * the same metrics labels. Only what identifies the row itself (id, time, duration, chain) differs.
 */
const PER_ROW = ['seq', 'id', 'at', 'duration_ms', 'chain_id', 'chain_seq', 'prev_hash', 'hash', 'server'];

function comparable(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).filter(([key]) => !PER_ROW.includes(key)));
}

describeWithPostgres('audit rows: fast path = SDK path', (databaseUrl) => {
  let db: TestDatabase;
  let spool: { path: string; remove: () => Promise<void> };
  let fast: RuntimeServer;
  let sdk: RuntimeServer;

  beforeAll(async () => {
    db = await auditDatabase(databaseUrl, 'runtime_fast_rows');
    spool = await tempDir('fast-rows');
    const env = (name: string) => ({
      DATABASE_URL: db.url,
      AUDIT_ENABLED: 'true',
      AUDIT_SPOOL_DIR: `${spool.path}/${name}`,
    });
    fast = await testServer(env('fast'), { fastPath: true, legacySse: false });
    sdk = await testServer(env('sdk'), { fastPath: false, legacySse: false });
  });
  afterAll(async () => {
    await fast?.app.close();
    await sdk?.app.close();
    await spool?.remove();
    await db?.drop();
  });

  const post = (server: RuntimeServer, headers: Record<string, string>, body: unknown) =>
    server.app.inject({
      method: 'POST',
      url: '/mcp',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        ...headers,
      },
      payload: JSON.stringify(body),
    });

  async function rowsOf(correlationId: string): Promise<Array<Record<string, unknown>>> {
    for (const server of [fast, sdk]) {
      await (server.features.find((f) => f.name === 'audit') as AuditFeature).trail.flush();
    }
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT * FROM audit_log WHERE correlation_id = $1 ORDER BY seq`, [
        correlationId,
      ]);
      return rows;
    } finally {
      await client.end();
    }
  }

  it('2025 era with a session: same client name, version and era on both rows', async () => {
    const version = '2025-06-18';
    const init = await post(
      fast,
      { 'mcp-protocol-version': version },
      {
        jsonrpc: '2.0',
        id: 0,
        method: 'initialize',
        params: {
          protocolVersion: version,
          capabilities: {},
          clientInfo: { name: 'operator-client', version: '9.8.7' },
        },
      },
    );
    const session = init.headers['mcp-session-id'];
    expect(typeof session).toBe('string');
    const call = {
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name: 'search_accounts', arguments: { query: 'acme' } },
    };
    const ids = ['same-call-2025-a', 'same-call-2025-b'];
    const [a, b] = [
      await post(
        fast,
        { 'mcp-protocol-version': version, 'mcp-session-id': String(session), 'x-request-id': ids[0]! },
        call,
      ),
      await post(
        sdk,
        { 'mcp-protocol-version': version, 'mcp-session-id': String(session), 'x-request-id': ids[1]! },
        call,
      ),
    ];
    expect(a.body).toBe(b.body);
    const [fastRows, sdkRows] = [await rowsOf(ids[0]!), await rowsOf(ids[1]!)];
    expect(fastRows).toHaveLength(1);
    expect(sdkRows).toHaveLength(1);
    expect(fastRows[0]).toMatchObject({
      client_name: 'operator-client',
      client_version: '9.8.7',
      protocol_era: '2025',
      protocol_version: version,
    });
    expect({ ...comparable(fastRows[0]!), correlation_id: null }).toEqual({
      ...comparable(sdkRows[0]!),
      correlation_id: null,
    });
  });

  it('2026 era: same row on both paths, and the same metrics labels', async () => {
    const meta = {
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientCapabilities': {},
      'io.modelcontextprotocol/clientInfo': { name: 'modern-client', version: '2.0.0' },
    };
    const headers = (id: string) => ({
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'search_accounts',
      'x-request-id': id,
    });
    const call = {
      jsonrpc: '2.0',
      id: 8,
      method: 'tools/call',
      params: { name: 'search_accounts', arguments: { query: 'globex' }, _meta: meta },
    };
    const a = await post(fast, headers('same-call-2026-a'), call);
    const b = await post(sdk, headers('same-call-2026-b'), call);
    expect(a.body).toBe(b.body);
    const [fastRow] = await rowsOf('same-call-2026-a');
    const [sdkRow] = await rowsOf('same-call-2026-b');
    expect(fastRow).toMatchObject({ client_name: 'modern-client', protocol_era: '2026' });
    expect({ ...comparable(fastRow!), correlation_id: null }).toEqual({
      ...comparable(sdkRow!),
      correlation_id: null,
    });

    const callsOf = async (server: RuntimeServer) =>
      (await server.metrics.registry.metrics())
        .split('\n')
        .filter((line) => line.startsWith('mcp_tool_calls_total{'))
        .sort();
    const fastCalls = await callsOf(fast);
    expect(fastCalls.length).toBeGreaterThan(0);
    expect(fastCalls).toEqual(await callsOf(sdk));
  });
});
