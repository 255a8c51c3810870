import {
  definePrompt,
  defineResource,
  defineResourceTemplate,
  defineTool,
  type ServerDefinition,
} from '@mcp-platform/protocol';
import { describeWithPostgres } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { z } from 'zod';
import { type FullStack, startFullStack } from '../../src/testing/full-stack.ts';
import { createTestDatabase } from '../audit/support.ts';

/** Everything a scope-less token must never see: names, URIs, completion values, backend ids. */
const SECRET = 'zq7secret';
const backendQueries: string[] = [];

function definition(): ServerDefinition {
  return {
    name: 'vault',
    version: '1.0.0',
    tools: [
      defineTool({
        name: `read_${SECRET}`,
        description: `Reads ${SECRET}.`,
        input: z.object({ id: z.string() }),
        annotations: { readOnlyHint: true },
        handler: async () => ({ content: [{ type: 'text', text: SECRET }] }),
      }),
      defineTool({
        name: `write_${SECRET}`,
        description: 'Writes.',
        input: z.object({ id: z.string() }),
        handler: async () => ({ content: [{ type: 'text', text: SECRET }] }),
      }),
    ],
    resources: [
      defineResource({
        uri: `vault://${SECRET}`,
        name: `res_${SECRET}`,
        read: async () => [{ uri: `vault://${SECRET}`, text: SECRET }],
      }),
    ],
    resourceTemplates: [
      defineResourceTemplate({
        uriTemplate: 'vault://accounts/{id}',
        name: `tpl_${SECRET}`,
        read: async (uri) => [{ uri, text: SECRET }],
        list: async () => [{ uri: `vault://accounts/${SECRET}`, name: SECRET }],
        complete: {
          id: async (value) => {
            backendQueries.push(value);
            return [`acc-${SECRET}`];
          },
        },
      }),
    ],
    prompts: [
      definePrompt({
        name: 'briefing',
        args: z.object({ account: z.string() }),
        get: async () => ({ messages: [{ role: 'user', content: { type: 'text', text: SECRET } }] }),
        complete: {
          account: async (value) => {
            backendQueries.push(value);
            return [`acc-${SECRET}`];
          },
        },
      }),
    ],
  };
}

/** Every method the server answers, with params that would reach something if allowed. */
const METHODS: Array<[string, Record<string, unknown>]> = [
  [
    'initialize',
    { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'walker', version: '1' } },
  ],
  ['ping', {}],
  ['tools/list', {}],
  ['tools/call', { name: `read_${SECRET}`, arguments: { id: '1' } }],
  ['tools/call', { name: `write_${SECRET}`, arguments: { id: '1' } }],
  ['resources/list', {}],
  ['resources/templates/list', {}],
  ['resources/read', { uri: `vault://${SECRET}` }],
  ['resources/read', { uri: 'vault://accounts/1' }],
  ['resources/subscribe', { uri: `vault://${SECRET}` }],
  ['resources/unsubscribe', { uri: `vault://${SECRET}` }],
  ['prompts/list', {}],
  ['prompts/get', { name: 'briefing', arguments: { account: 'a' } }],
  [
    'completion/complete',
    { ref: { type: 'ref/prompt', name: 'briefing' }, argument: { name: 'account', value: 'a' } },
  ],
  [
    'completion/complete',
    { ref: { type: 'ref/resource', uri: 'vault://accounts/{id}' }, argument: { name: 'id', value: 'a' } },
  ],
  ['logging/setLevel', { level: 'debug' }],
  ['server/discover', {}],
  ['no/such-method', {}],
];

describeWithPostgres('every method with a scope-less token', (databaseUrl) => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let stack: FullStack;
  let pool: pg.Pool;

  beforeAll(async () => {
    db = await createTestDatabase(databaseUrl, 'every_method');
    stack = await startFullStack({
      definition: definition(),
      databaseUrl: db.url,
      env: { RATE_LIMIT_PER_MINUTE: '3' },
    });
    pool = new pg.Pool({ connectionString: db.url, max: 1 });
  });
  afterAll(async () => {
    await stack?.close();
    await pool?.end();
    await db?.drop();
  });

  const post = async (
    token: string,
    method: string,
    params: Record<string, unknown>,
    version = '2025-06-18',
  ) => {
    const response = await fetch(`${stack.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': version,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    });
    return { status: response.status, text: await response.text() };
  };

  it('reveals nothing and reaches no backend, whatever the method or protocol era', async () => {
    const token = await stack.token('', 'nobody');
    for (const [method, params] of METHODS) {
      for (const version of ['2025-06-18', '2026-07-28']) {
        const withMeta =
          version === '2026-07-28'
            ? {
                ...params,
                _meta: {
                  'io.modelcontextprotocol/protocolVersion': version,
                  'io.modelcontextprotocol/clientCapabilities': {},
                  'io.modelcontextprotocol/clientInfo': { name: 'walker', version: '1' },
                },
              }
            : params;
        const { status, text } = await post(token, method, withMeta, version);
        // What the request itself named may be echoed (an error naming the tool asked for); nothing else.
        const sent = JSON.stringify(params).match(new RegExp(`[\\w:/.-]*${SECRET}[\\w/.-]*`, 'g')) ?? [];
        const unsent = sent.reduce((rest, name) => rest.replaceAll(name, ''), text);
        expect({ method, version, leaked: unsent.includes(SECRET) }).toEqual({
          method,
          version,
          leaked: false,
        });
        expect(status).toBeLessThan(500);
      }
    }
    expect(backendQueries).toEqual([]);
  });

  it('answers completions like what they complete: 403, then audited and rate limited when allowed', async () => {
    const scopeless = await stack.token('', 'nobody-2');
    const refused = await post(scopeless, 'completion/complete', METHODS[13]![1]);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('vault:read');

    const reader = await stack.token('vault:read', 'reader');
    const answers: string[] = [];
    for (let i = 0; i < 4; i++)
      answers.push((await post(reader, 'completion/complete', METHODS[13]![1])).text);
    expect(answers[0]).toContain(`acc-${SECRET}`);
    expect(answers[3]).toContain('RATE_LIMITED');
    expect(backendQueries).toHaveLength(3);

    const audit = stack.server.features.find((f) => f.name === 'audit') as unknown as {
      trail: { flush(): Promise<void> };
    };
    await audit.trail.flush();
    const { rows } = await pool.query<{ subject: string; outcome: string }>(
      `SELECT subject, outcome FROM audit_log WHERE name = 'complete:briefing' AND subject <> 'nobody' ORDER BY seq`,
    );
    expect(rows.map((r) => `${r.subject}:${r.outcome}`)).toEqual([
      'nobody-2:denied',
      'reader:ok',
      'reader:ok',
      'reader:ok',
      'reader:rate_limited',
    ]);
  });
});
