import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.ts';
import type { RuntimeServer } from '../src/server.ts';
import { type LocalIssuer, startLocalIssuer } from '../src/testing/local-issuer.ts';
import { bearer, testConfig, testServer } from './helpers.ts';

const AUDIENCE = 'http://acme.test/mcp';
const INSPECTOR = 'http://localhost:6274';
const PORTAL = 'https://agents.example.com';
const EVIL = 'https://evil.example.com';
const ACCEPT = 'application/json, text/event-stream';

function preflight(server: RuntimeServer, origin: string, url = '/mcp', method = 'POST') {
  return server.app.inject({
    method: 'OPTIONS',
    url,
    headers: {
      origin,
      'access-control-request-method': method,
      'access-control-request-headers': 'authorization, content-type, mcp-protocol-version',
    },
  });
}

function post(server: RuntimeServer, origin: string | undefined, headers: Record<string, string> = {}) {
  return server.app.inject({
    method: 'POST',
    url: '/mcp',
    headers: {
      'content-type': 'application/json',
      accept: ACCEPT,
      'mcp-protocol-version': '2025-06-18',
      ...(origin === undefined ? {} : { origin }),
      ...headers,
    },
    payload: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list' }),
  });
}

function expectNoCors(headers: Record<string, unknown>) {
  for (const name of Object.keys(headers)) expect(name).not.toMatch(/^access-control-/);
}

describe('CORS for browser-based clients', () => {
  let issuer: LocalIssuer;
  let server: RuntimeServer;
  let off: RuntimeServer;

  beforeAll(async () => {
    issuer = await startLocalIssuer({ audience: AUDIENCE });
    const oauth = { AUTH_MODE: 'oauth', OAUTH_ISSUER: issuer.issuer };
    server = await testServer({ ...oauth, CORS_ALLOWED_ORIGINS: `${INSPECTOR}, ${PORTAL}` });
    off = await testServer(oauth);
  });
  afterAll(async () => {
    await server?.app.close();
    await off?.app.close();
    await issuer?.close();
  });

  it('answers a preflight from a listed origin before authentication', async () => {
    const res = await preflight(server, INSPECTOR);
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(INSPECTOR);
    expect(res.headers.vary).toBe('Origin');
    expect(String(res.headers['access-control-allow-methods']).split(', ')).toEqual(
      expect.arrayContaining(['GET', 'POST', 'DELETE']),
    );
    const allowed = String(res.headers['access-control-allow-headers']).split(', ');
    expect(allowed).toEqual(
      expect.arrayContaining([
        'authorization',
        'content-type',
        'mcp-session-id',
        'mcp-protocol-version',
        'mcp-method',
        'mcp-name',
        'last-event-id',
      ]),
    );
    // Bearer tokens travel in a header: credentials mode (cookies) is never allowed.
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['www-authenticate']).toBeUndefined();
  });

  it('refuses a preflight from an origin that is not listed, with no CORS headers', async () => {
    const res = await preflight(server, EVIL);
    expect(res.statusCode).toBe(403);
    expectNoCors(res.headers);
    expect(res.json().message).toMatch(/CORS_ALLOWED_ORIGINS/);
  });

  it('exposes the MCP headers and the challenge to a listed origin, and echoes the request id', async () => {
    const unauthenticated = await post(server, PORTAL);
    expect(unauthenticated.statusCode).toBe(401);
    expect(unauthenticated.headers['access-control-allow-origin']).toBe(PORTAL);
    const exposed = String(unauthenticated.headers['access-control-expose-headers']).split(', ');
    expect(exposed).toEqual(
      expect.arrayContaining([
        'mcp-session-id',
        'mcp-protocol-version',
        'mcp-method',
        'mcp-name',
        'www-authenticate',
      ]),
    );
    expect(unauthenticated.json()).toMatchObject({ id: 9, error: { code: -32001 } });

    const ok = await post(server, PORTAL, bearer(await issuer.token({ scope: 'acme:read' })));
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(PORTAL);
    expect(ok.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('keeps the Origin guard as strict as before for origins that are not listed', async () => {
    const res = await post(server, EVIL, bearer(await issuer.token({ scope: 'acme:read' })));
    expect(res.statusCode).toBe(403);
    expectNoCors(res.headers);
    // No Origin header at all (Claude Code, server-side agents): unchanged.
    expect(
      (await post(server, undefined, bearer(await issuer.token({ scope: 'acme:read' })))).statusCode,
    ).toBe(200);
  });

  it('lets every origin read the protected-resource metadata, without credentials', async () => {
    for (const url of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const pre = await preflight(server, EVIL, url, 'GET');
      expect(pre.statusCode).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe('*');
      const res = await server.app.inject({ method: 'GET', url, headers: { origin: EVIL } });
      expect(res.statusCode).toBe(200);
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(res.json().resource).toBe(AUDIENCE);
    }
  });

  it('covers the legacy SSE endpoints too', async () => {
    const res = await preflight(server, INSPECTOR, '/messages?sessionId=x');
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-methods']).toBe('POST, OPTIONS');
    expect((await preflight(server, INSPECTOR, '/sse', 'GET')).headers['access-control-allow-methods']).toBe(
      'GET, OPTIONS',
    );
  });

  it('is off by default: no CORS headers for anyone, a preflight is not answered', async () => {
    const res = await preflight(off, INSPECTOR);
    expect(res.statusCode).not.toBe(204);
    expectNoCors(res.headers);
    expectNoCors((await post(off, undefined)).headers);
    const metadata = await off.app.inject({
      method: 'GET',
      url: '/.well-known/oauth-protected-resource/mcp',
      headers: { origin: INSPECTOR },
    });
    expectNoCors(metadata.headers);
  });

  it('refuses wildcards and origins with a path in the configuration', () => {
    for (const value of ['*', 'https://app.example.com/path', 'app.example.com', 'https://*.example.com']) {
      expect(() => testConfig({ CORS_ALLOWED_ORIGINS: value })).toThrow(ConfigError);
    }
    expect(() => testConfig({ CORS_ALLOWED_ORIGINS: '*' })).toThrow(/CORS_ALLOWED_ORIGINS.*exact origin/s);
    expect(testConfig({ CORS_ALLOWED_ORIGINS: `${INSPECTOR},${PORTAL}` }).CORS_ALLOWED_ORIGINS).toEqual([
      INSPECTOR,
      PORTAL,
    ]);
  });
});
