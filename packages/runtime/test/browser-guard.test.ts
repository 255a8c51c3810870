import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeFeature } from '../src/feature.ts';
import type { RuntimeServer } from '../src/server.ts';
import { testServer } from './helpers.ts';

const reached: string[] = [];

/** Routes like the knowledge upload, the approvals API and a future console, registered by features. */
const browserReachable: RuntimeFeature = {
  name: 'browser-reachable-routes',
  async register(app) {
    await app.register(async (scope) => {
      scope.post('/ingest/documents', async () => {
        reached.push('ingest');
        return { ok: true };
      });
      scope.post('/approvals/:id/approve', async () => {
        reached.push('approve');
        return { ok: true };
      });
      scope.get('/approvals/', async () => {
        reached.push('console');
        return 'console';
      });
    });
  },
};

describe('one Origin/Host guard for every browser-reachable route (AUTH_MODE=none on loopback)', () => {
  let server: RuntimeServer;

  beforeAll(async () => {
    server = await testServer(
      { ALLOWED_ORIGINS: 'https://app.example.com' },
      { features: [browserReachable] },
    );
  });
  afterAll(async () => server?.app.close());

  const routes = [
    { method: 'POST' as const, url: '/ingest/documents', payload: '# planted' },
    { method: 'POST' as const, url: '/approvals/123/approve', payload: '{}' },
    { method: 'GET' as const, url: '/approvals/' },
    { method: 'POST' as const, url: '/mcp', payload: '{"jsonrpc":"2.0","id":1,"method":"ping"}' },
  ];

  it('refuses a disallowed Origin on every route, not only /mcp', async () => {
    for (const route of routes) {
      const response = await server.app.inject({
        ...route,
        headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
      });
      expect({ url: route.url, status: response.statusCode }).toEqual({ url: route.url, status: 403 });
      expect(response.body).toContain('ALLOWED_ORIGINS');
    }
    expect(reached).toEqual([]);
  });

  it('refuses a rebound host name (same-origin for the browser, so no Origin check helps)', async () => {
    for (const route of routes) {
      const response = await server.app.inject({
        ...route,
        headers: { host: 'evil.example:3000', 'content-type': 'application/json' },
      });
      expect({ url: route.url, status: response.statusCode }).toEqual({ url: route.url, status: 403 });
    }
    expect(reached).toEqual([]);
  });

  it('lets allowed origins, loopback hosts, non-browser clients and public probes through', async () => {
    const ok = await server.app.inject({
      method: 'POST',
      url: '/ingest/documents',
      headers: {
        origin: 'https://app.example.com',
        host: '127.0.0.1:3000',
        'content-type': 'application/json',
      },
      payload: '{}',
    });
    expect(ok.statusCode).toBe(200);
    const plain = await server.app.inject({
      method: 'GET',
      url: '/approvals/',
      headers: { host: 'localhost' },
    });
    expect(plain.statusCode).toBe(200);
    const probe = await server.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { host: '10.1.2.3:3000' },
    });
    expect(probe.statusCode).toBe(200);
    expect(reached).toEqual(['ingest', 'console']);
  });
});
