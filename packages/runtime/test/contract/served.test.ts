import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildContract } from '../../src/contract/build.ts';
import {
  CATALOG_HASH_META_KEY,
  CONTRACT_PATH,
  type Contract,
  SERVER_JSON_PATH,
} from '../../src/contract/model.ts';
import { verifyServer } from '../../src/contract/verify.ts';
import { type FullStack, startFullStack } from '../../src/testing/full-stack.ts';
import { logCapture } from '../helpers.ts';
import { fixtureDefinition } from './fixture-server.ts';

const MODERN_META = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientCapabilities': {},
  'io.modelcontextprotocol/clientInfo': { name: 'contract-test-client', version: '3.1.0' },
};

async function call(stack: FullStack, token: string, method: string, params: Record<string, unknown> = {}) {
  const name = method === 'tools/call' ? { 'mcp-name': String(params.name) } : {};
  const response = await fetch(`${stack.url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': method,
      authorization: `Bearer ${token}`,
      ...name,
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: MODERN_META } }),
  });
  const body = (await response.json()) as { result?: Record<string, unknown>; error?: unknown };
  expect(response.status, JSON.stringify(body)).toBe(200);
  return body.result as Record<string, unknown>;
}

describe('a running server serves its catalog hash, contract, card and server.json', () => {
  const logs = logCapture();
  let reviewed: FullStack;
  let drifted: FullStack;
  beforeAll(async () => {
    reviewed = await startFullStack({
      definition: fixtureDefinition({ deprecateGetOrder: '2.0.0' }),
      logStream: logs.stream,
    });
    // Same tool names and schemas; one description reworded after the review ("rug pull").
    drifted = await startFullStack({
      definition: fixtureDefinition({ deprecateGetOrder: '2.0.0', rewordSearch: true }),
      env: { LOG_LEVEL: 'error' },
    });
  });
  afterAll(async () => {
    await reviewed?.close();
    await drifted?.close();
  });

  it('tools/list carries the catalog hash — the same for every caller, however filtered', async () => {
    const full = await call(reviewed, await reviewed.token('orders:read orders:write'), 'tools/list');
    const readOnly = await call(reviewed, await reviewed.token('orders:read'), 'tools/list');
    const names = (r: Record<string, unknown>) => (r.tools as Array<{ name: string }>).map((t) => t.name);
    expect(names(full)).toContain('cancel_order');
    expect(names(readOnly)).not.toContain('cancel_order');
    const hash = reviewed.server.contract.catalogHash;
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((full._meta as Record<string, unknown>)[CATALOG_HASH_META_KEY]).toBe(hash);
    expect((readOnly._meta as Record<string, unknown>)[CATALOG_HASH_META_KEY]).toBe(hash);
    // Without approvals (no database here) the served catalog is the one without approvalId.
    expect(hash).toBe(
      buildContract(fixtureDefinition({ deprecateGetOrder: '2.0.0' }), { approvals: false }).catalogHash,
    );
  });

  it('the official SDK client sees the hash in listTools()', async () => {
    const token = await reviewed.token('orders:read');
    const client = new Client({ name: 'contract-sdk-client', version: '1.0.0' });
    await client.connect(
      new StreamableHTTPClientTransport(new URL(`${reviewed.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      }),
    );
    try {
      const listed = await client.listTools();
      expect(listed._meta?.[CATALOG_HASH_META_KEY]).toBe(reviewed.server.contract.catalogHash);
    } finally {
      await client.close();
    }
  });

  it('serves the contract, the server card, the AI catalog and server.json from the same data', async () => {
    const hash = reviewed.server.contract.catalogHash;
    const contract = (await (await fetch(`${reviewed.url}${CONTRACT_PATH}`)).json()) as Contract;
    expect(contract.catalogHash).toBe(hash);
    expect(contract.server).toMatchObject({ name: 'orders', version: '1.0.0' });

    const cardResponse = await fetch(`${reviewed.url}/mcp/server-card`);
    expect(cardResponse.headers.get('content-type')).toContain('application/mcp-server-card+json');
    expect(await cardResponse.json()).toMatchObject({
      $schema: 'https://static.modelcontextprotocol.io/schemas/v2/server-card.schema.json',
      name: 'io.mcp-platform/orders',
      version: '1.0.0',
      description: 'Orders of the fixture shop',
      remotes: [
        { type: 'streamable-http', url: 'http://full-stack.test/mcp' },
        { type: 'sse', url: 'http://full-stack.test/sse' },
      ],
      _meta: { [CATALOG_HASH_META_KEY]: hash },
    });

    const catalog = (await (await fetch(`${reviewed.url}/.well-known/ai-catalog.json`)).json()) as {
      entries: Array<Record<string, unknown>>;
    };
    expect(catalog.entries).toEqual([
      {
        identifier: 'urn:air:full-stack.test:orders',
        displayName: 'Orders',
        type: 'application/mcp-server-card+json',
        url: 'http://full-stack.test/mcp/server-card',
      },
    ]);

    const serverJson = (await (await fetch(`${reviewed.url}${SERVER_JSON_PATH}`)).json()) as Record<
      string,
      unknown
    >;
    expect(serverJson).toMatchObject({
      $schema: 'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json',
      name: 'io.mcp-platform/orders',
      version: '1.0.0',
      remotes: [
        { type: 'streamable-http', url: 'http://full-stack.test/mcp' },
        { type: 'sse', url: 'http://full-stack.test/sse' },
      ],
    });
    expect(JSON.stringify(serverJson._meta)).toContain(hash);
  });

  it('contracts verify: the reviewed server passes, the drifted one is caught with a classified diff', async () => {
    const pinned = reviewed.server.contract;
    const token = await reviewed.token('orders:read orders:write');
    const ok = await verifyServer({ url: `${reviewed.url}/mcp`, expectHash: pinned.catalogHash, token });
    expect(ok.problems).toEqual([]);
    expect(ok.ok).toBe(true);

    const driftToken = await drifted.token('orders:read');
    const drift = await verifyServer({ url: `${drifted.url}/mcp`, pinned, token: driftToken });
    expect(drift.ok).toBe(false);
    expect(drift.problems.join('\n')).toContain(`the pinned one is ${pinned.catalogHash}`);
    expect(drift.problems.join('\n')).toContain('tools/list carries catalog hash');
    expect(drift.verdict?.changes).toEqual([
      expect.objectContaining({ level: 'patch', entry: 'search_orders', kind: 'tool' }),
    ]);
    expect(drift.notVisible).toEqual(['cancel_order']);

    const wrongPin = await verifyServer({
      url: `${reviewed.url}/mcp`,
      expectHash: `sha256:${'0'.repeat(64)}`,
      token,
    });
    expect(wrongPin.ok).toBe(false);
  });

  it('a deprecated tool keeps working, says so, and is counted and logged with the caller', async () => {
    const token = await reviewed.token('orders:read', 'analyst-7');
    const listed = await call(reviewed, token, 'tools/list');
    const tool = (listed.tools as Array<{ name: string; description: string }>).find(
      (t) => t.name === 'get_order',
    );
    expect(tool?.description).toContain('DEPRECATED: removed in version 2.0.0. Use get_order_v2 instead.');

    const result = await call(reviewed, token, 'tools/call', { name: 'get_order', arguments: { id: 'o-1' } });
    expect(result.isError).toBeUndefined();
    expect(result.content).toEqual([{ type: 'text', text: 'order o-1' }]);
    await call(reviewed, token, 'tools/call', { name: 'get_order_v2', arguments: { id: 'o-1' } });

    const metrics = await (await fetch(`${reviewed.url}/metrics`)).text();
    expect(metrics).toContain('mcp_deprecated_tool_calls_total{server="orders",tool="get_order"} 1');
    expect(metrics).not.toContain('tool="get_order_v2"} 1\nmcp_deprecated');
    const line = logs.lines.find((l) => l.msg === 'deprecated tool called');
    expect(line).toMatchObject({
      tool: 'get_order',
      replacement: 'get_order_v2',
      removeIn: '2.0.0',
      caller: 'analyst-7',
      client: 'contract-test-client',
      clientVersion: '3.1.0',
    });
    expect(logs.lines.filter((l) => l.msg === 'deprecated tool called')).toHaveLength(1);
  });
});
