import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallInfo, Interceptor } from '../src/index.ts';
import { buildApp, messagesOf, rpc } from './helpers.ts';

/**
 * Differential test: the fast path must answer byte-for-byte what the SDK reference path answers,
 * for every hot method, both eras, successes and failures — and hand the interceptor chain the same
 * call (client name/version/capabilities, era, caller, arguments, outcome), which is everything the
 * audit row and the metrics labels are built from.
 */
interface SeenCall {
  kind: CallInfo['kind'];
  name: string;
  definitionName: string;
  client: CallInfo['ctx']['client'];
  subject: string;
  rawArgs: unknown;
  args: unknown;
  outcome: string;
}

/** Records each call as the audit and metrics interceptors see it. */
function recorder(seen: SeenCall[]): Interceptor {
  return async (call, next) => {
    const entry: SeenCall = {
      kind: call.kind,
      name: call.name,
      definitionName: call.definitionName,
      client: call.ctx.client,
      subject: call.ctx.caller.subject,
      rawArgs: call.rawArgs,
      args: call.args,
      outcome: 'pending',
    };
    seen.push(entry);
    try {
      const out = await next();
      const code = (out.structuredContent as { code?: string } | undefined)?.code;
      entry.outcome = out.isError === true ? `error:${code}` : 'ok';
      return out;
    } catch (error) {
      entry.outcome = `thrown:${(error as { code?: unknown }).code}`;
      throw error;
    }
  };
}

/** A 2025 session minted by `initialize` (both apps share the secret, so either verifies it). */
async function legacySession(app: FastifyInstance, version: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/mcp',
    ...rpc(version, 'initialize', {
      protocolVersion: version,
      capabilities: { elicitation: {} },
      clientInfo: { name: 'diff-client', version: '3.1.4' },
    }),
  });
  const id = res.headers['mcp-session-id'];
  if (typeof id !== 'string') throw new Error(`initialize gave no session id: ${res.body}`);
  return id;
}
const CASES: Array<[string, Record<string, unknown>]> = [
  ['tools/list', {}],
  ['tools/call', { name: 'echo', arguments: { text: 'héllo "quoted" \\ back' } }],
  ['tools/call', { name: 'echo', arguments: { text: '' } }],
  ['tools/call', { name: 'echo', arguments: { text: 42 } }],
  ['tools/call', { name: 'echo' }],
  ['tools/call', { name: 'fail', arguments: {} }],
  ['tools/call', { name: 'no_such_tool', arguments: {} }],
  ['tools/call', { name: 'slow', arguments: { steps: 1, delayMs: 0 } }],
  ['resources/list', {}],
  ['resources/templates/list', {}],
  ['resources/read', { uri: 'docs://readme' }],
  ['resources/read', { uri: 'items://123' }],
  ['resources/read', { uri: 'items://abc' }],
  ['resources/read', { uri: 'nothing://here' }],
  ['prompts/list', {}],
  ['prompts/get', { name: 'greet', arguments: { who: 'Ada' } }],
  ['prompts/get', { name: 'greet', arguments: {} }],
  ['prompts/get', { name: 'missing' }],
  ['tools/list', { cursor: 'bogus' }],
];
const ERAS = ['2026', '2025-11-25', '2025-06-18', '2025-03-26'];

describe('fast path is byte-identical to the SDK path', () => {
  let fast: FastifyInstance;
  let sdk: FastifyInstance;
  const served: Array<{ app: string; path: string; method: string | undefined }> = [];
  const seenFast: SeenCall[] = [];
  const seenSdk: SeenCall[] = [];
  const sessions = new Map<string, string>();
  beforeAll(async () => {
    fast = await buildApp(
      { fastPath: true, onServe: (path, method) => served.push({ app: 'fast', path, method }) },
      { interceptors: [recorder(seenFast)] },
    );
    sdk = await buildApp(
      { fastPath: false, onServe: (path, method) => served.push({ app: 'sdk', path, method }) },
      { interceptors: [recorder(seenSdk)] },
    );
    for (const era of ERAS) if (era !== '2026') sessions.set(era, await legacySession(fast, era));
  });
  afterAll(async () => {
    await fast.close();
    await sdk.close();
  });

  for (const era of ERAS) {
    for (const [method, params] of CASES) {
      it(`${era} ${method} ${JSON.stringify(params).slice(0, 60)}`, async () => {
        const request = rpc(era, method, params, 42);
        const session = sessions.get(era);
        if (session) request.headers['mcp-session-id'] = session;
        seenFast.length = 0;
        seenSdk.length = 0;
        const [a, b] = await Promise.all([
          fast.inject({ method: 'POST', url: '/mcp', ...request }),
          sdk.inject({ method: 'POST', url: '/mcp', ...request }),
        ]);
        expect(a.statusCode).toBe(b.statusCode);
        // The audit row and the metrics labels come from what the interceptors see: field by field.
        expect(seenFast).toEqual(seenSdk);
        if (['tools/call', 'resources/read', 'prompts/get'].includes(method) && seenSdk.length > 0) {
          expect(seenFast[0]?.client).toMatchObject(
            era === '2026'
              ? { era: '2026', name: 'test-client', version: '1.0.0' }
              : { era: '2025', protocolVersion: era, name: 'diff-client', version: '3.1.4' },
          );
        }
        expect(a.headers['content-type']).toBe(b.headers['content-type']);
        expect(a.body).toBe(b.body);
        expect(a.body.length).toBeGreaterThan(0);
        // The comparison only means something if the fast app really took the fast path.
        const fastServed = served.filter((s) => s.app === 'fast').at(-1);
        const declines = params.name === 'no_such_tool';
        expect(fastServed?.path).toBe(declines ? 'sdk' : 'fast');
        expect(served.filter((s) => s.app === 'sdk').at(-1)?.path).toBe('sdk');
      });
    }
  }

  it('answers a string id and a zero id identically', async () => {
    for (const id of ['abc', 0]) {
      const request = rpc('2026', 'tools/call', { name: 'echo', arguments: { text: 'x' } }, id);
      const [a, b] = await Promise.all([
        fast.inject({ method: 'POST', url: '/mcp', ...request }),
        sdk.inject({ method: 'POST', url: '/mcp', ...request }),
      ]);
      expect(a.body).toBe(b.body);
    }
  });
});

describe('tools/list _meta (the catalog hash) is byte-identical on both paths', () => {
  const meta = { 'io.mcp-platform/catalogHash': `sha256:${'ab'.repeat(32)}` };
  let fast: FastifyInstance;
  let sdk: FastifyInstance;
  const served: string[] = [];
  beforeAll(async () => {
    fast = await buildApp(
      { fastPath: true, onServe: (path) => served.push(path) },
      { toolsListMeta: meta, pageSize: 2 },
    );
    sdk = await buildApp({ fastPath: false }, { toolsListMeta: meta, pageSize: 2 });
  });
  afterAll(async () => {
    await fast.close();
    await sdk.close();
  });

  for (const era of ERAS) {
    it(`${era}: every page carries the hash, and the paths agree byte for byte`, async () => {
      let cursor: string | undefined;
      let pages = 0;
      do {
        const request = rpc(era, 'tools/list', cursor === undefined ? {} : { cursor }, 7);
        const [a, b] = await Promise.all([
          fast.inject({ method: 'POST', url: '/mcp', ...request }),
          sdk.inject({ method: 'POST', url: '/mcp', ...request }),
        ]);
        expect(served.at(-1)).toBe('fast');
        expect(a.body).toBe(b.body);
        const [message] = messagesOf(a.body, a.headers['content-type'] as string | undefined);
        const result = message?.result as { _meta?: Record<string, unknown>; nextCursor?: string };
        expect(result._meta?.['io.mcp-platform/catalogHash']).toBe(meta['io.mcp-platform/catalogHash']);
        cursor = result.nextCursor;
        pages++;
      } while (cursor !== undefined && pages < 10);
      expect(pages).toBeGreaterThan(1);
    });
  }
});
