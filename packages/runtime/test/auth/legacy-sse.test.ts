import { describeWithRedis } from '@mcp-platform/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeServer } from '../../src/server.ts';
import { type LocalIssuer, startLocalIssuer } from '../../src/testing/local-issuer.ts';
import { testServer } from '../helpers.ts';

// Single-process sessions, and sessions relayed through the server's Redis connection (skipped loudly
// without REDIS_URL, never silently absent).
const SUITE = 'authentication and scopes on the legacy HTTP+SSE transport';
describe(`${SUITE} (single process)`, () => legacySseAuthSuite({}));
describeWithRedis(`${SUITE} (Redis relay)`, (redisUrl) => legacySseAuthSuite({ REDIS_URL: redisUrl }));

function legacySseAuthSuite(env: Record<string, string>): void {
  let issuer: LocalIssuer;
  let server: RuntimeServer;
  let base: string;
  beforeAll(async () => {
    issuer = await startLocalIssuer({ audience: 'http://acme.test/mcp' });
    server = await testServer({ AUTH_MODE: 'oauth', OAUTH_ISSUER: issuer.issuer, ...env });
    base = await server.listen();
  });
  afterAll(async () => {
    await server?.app.close();
    await issuer?.close();
  });

  it('needs a token for the stream, and checks the scope of every posted call', async () => {
    expect((await fetch(`${base}/sse`, { headers: { accept: 'text/event-stream' } })).status).toBe(401);
    const token = await issuer.token({ scope: 'acme:read' });
    const controller = new AbortController();
    const stream = await fetch(`${base}/sse`, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
      signal: controller.signal,
    });
    try {
      expect(stream.status).toBe(200);
      const reader = stream.body!.getReader();
      let text = '';
      while (!/data: (\S+)/.test(text)) text += new TextDecoder().decode((await reader.read()).value);
      const endpoint = /data: (\S+)/.exec(text)![1]!;
      const post = (name: string, args: Record<string, unknown>) =>
        fetch(new URL(endpoint, base), {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({
            jsonrpc: '2.0',
            id: 3,
            method: 'tools/call',
            params: { name, arguments: args },
          }),
        });
      const forbidden = await post('update_account', { id: '1', name: 'x' });
      expect(forbidden.status).toBe(403);
      expect(forbidden.headers.get('www-authenticate')).toContain('scope="acme:write"');
      expect(((await forbidden.json()) as { id: number }).id).toBe(3);
      const allowed = await post('search_accounts', { query: 'a' });
      expect(allowed.status).toBe(202);
    } finally {
      controller.abort();
    }
  });
}
