import { createHash } from 'node:crypto';
import type { Interceptor } from '@mcp-platform/protocol';
import { base64url, type CryptoKey, exportSPKI, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RuntimeServer } from '../../src/server.ts';
import { type LocalIssuer, startLocalIssuer } from '../../src/testing/local-issuer.ts';
import { handled } from '../fixtures.ts';
import { bearer, resultOf, rpc, testServer } from '../helpers.ts';

const AUDIENCE = 'http://acme.test/mcp';
const METADATA = 'http://acme.test/.well-known/oauth-protected-resource/mcp';
const SERVICE_SECRET = 'svc-reporting-0123456789abcdef0123456789';

describe('OAuth resource server against a real local issuer', () => {
  let issuer: LocalIssuer;
  let server: RuntimeServer;
  const seenCallers: unknown[] = [];

  beforeAll(async () => {
    issuer = await startLocalIssuer({ audience: AUDIENCE });
    const capture: Interceptor = async (call, next) => {
      seenCallers.push(call.ctx.caller);
      return next();
    };
    server = await testServer(
      {
        AUTH_MODE: 'oauth',
        OAUTH_ISSUER: issuer.issuer,
        OAUTH_ROLE_CLAIM: 'groups',
        OAUTH_ROLE_SCOPES: 'acme-writers=acme:write',
        SERVICE_TOKENS: `reporting:${createHash('sha256').update(SERVICE_SECRET).digest('hex')}:acme:read`,
      },
      { features: [{ name: 'capture', interceptors: [capture] }] },
    );
  });
  afterAll(async () => {
    await server?.app.close();
    await issuer?.close();
  });
  beforeEach(() => {
    handled.length = 0;
  });

  const call = (
    token: string | undefined,
    name = 'search_accounts',
    args: Record<string, unknown> = { query: 'a' },
  ) => rpc(server.app, 'tools/call', { name, arguments: args }, token === undefined ? {} : bearer(token));

  function expectInvalidToken(res: Awaited<ReturnType<typeof call>>, description: RegExp) {
    expect(res.status).toBe(401);
    const challenge = String(res.headers['www-authenticate']);
    expect(challenge).toMatch(/^Bearer /);
    expect(challenge).toContain(`resource_metadata="${METADATA}"`);
    expect(challenge).toContain('error="invalid_token"');
    expect(challenge).toMatch(description);
    expect(handled).toEqual([]);
  }

  it('accepts a valid token and runs the call', async () => {
    const res = await call(await issuer.token({ scope: 'acme:read' }));
    expect(res.status).toBe(200);
    expect(resultOf(res.body).structuredContent).toEqual({ ids: ['acc-a'] });
    expect(handled).toEqual(['search_accounts']);
  });

  it('answers 401 with the resource metadata challenge naming the read scope when no token is sent', async () => {
    const res = await call(undefined);
    expect(res.status).toBe(401);
    // Least privilege first: the read scope only; write and admin come by step-up (403).
    expect(res.headers['www-authenticate']).toBe(`Bearer resource_metadata="${METADATA}", scope="acme:read"`);
    expect((res.body.error as { message: string }).message).toMatch(/Authorization: Bearer/);
    expect(handled).toEqual([]);
  });

  it('echoes the request id in JSON-RPC auth errors, null only when the body is not readable', async () => {
    const post = (payload: string, headers: Record<string, string> = {}) =>
      server.app.inject({
        method: 'POST',
        url: '/mcp',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
          ...headers,
        },
        payload,
      });
    const missing = await post(JSON.stringify({ jsonrpc: '2.0', id: 'req-7', method: 'tools/list' }));
    expect(missing.statusCode).toBe(401);
    expect(missing.json()).toMatchObject({ jsonrpc: '2.0', id: 'req-7', error: { code: -32001 } });
    const invalid = await post(JSON.stringify({ jsonrpc: '2.0', id: 42, method: 'tools/list' }), {
      authorization: 'Bearer not-a-token',
    });
    expect(invalid.statusCode).toBe(401);
    expect(invalid.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(invalid.json()).toMatchObject({ id: 42, error: { code: -32001 } });
    const garbage = await post('{not json');
    expect(garbage.statusCode).toBe(401);
    expect(garbage.json()).toMatchObject({ id: null, error: { code: -32001 } });
    const empty = await server.app.inject({ method: 'POST', url: '/mcp' });
    expect(empty.statusCode).toBe(401);
    expect(handled).toEqual([]);
  });

  it('refuses alg=none', async () => {
    const valid = await issuer.token({ scope: 'acme:read' });
    const payload = valid.split('.')[1];
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
    expectInvalidToken(await call(`${header}.${payload}.`), /algorithm|malformed/);
  });

  it('refuses HS256 signed with the issuer public key', async () => {
    const publicKey = (await importJWK(issuer.publicJwk, 'RS256')) as CryptoKey;
    const pem = await exportSPKI(publicKey);
    const forged = await new SignJWT({ scope: 'acme:read acme:write' })
      .setProtectedHeader({ alg: 'HS256', kid: issuer.kid })
      .setIssuer(issuer.issuer)
      .setAudience(AUDIENCE)
      .setSubject('attacker')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(pem));
    expectInvalidToken(await call(forged), /algorithm/);
  });

  it('refuses a token for another audience, including another server of the platform', async () => {
    expectInvalidToken(
      await call(await issuer.token({ audience: 'https://evil.example.com', scope: 'acme:read' })),
      /audience/,
    );
    expectInvalidToken(
      await call(await issuer.token({ audience: 'http://itsm.test/mcp', scope: 'acme:read' })),
      /audience/,
    );
  });

  it('refuses a token from another issuer', async () => {
    expectInvalidToken(
      await call(await issuer.token({ issuer: 'https://other-issuer.example.com', scope: 'acme:read' })),
      /issuer/,
    );
  });

  it('refuses an expired token, tolerating a small clock skew', async () => {
    expectInvalidToken(await call(await issuer.token({ expiresIn: -120, scope: 'acme:read' })), /expired/);
    const withinSkew = await call(await issuer.token({ expiresIn: -10, scope: 'acme:read' }));
    expect(withinSkew.status).toBe(200);
  });

  it('refuses a token that is not valid yet', async () => {
    expectInvalidToken(
      await call(await issuer.token({ notBefore: 600, scope: 'acme:read' })),
      /not valid yet/,
    );
  });

  it('refuses a token signed with an unknown key without hammering the JWKS endpoint', async () => {
    await call(await issuer.token({ scope: 'acme:read' }));
    handled.length = 0;
    const before = issuer.jwksFetches;
    for (let i = 0; i < 5; i++) {
      expectInvalidToken(
        await call(await issuer.tokenWithUnpublishedKey({ scope: 'acme:read' })),
        /unknown key/,
      );
    }
    // Within the cooldown (30 s by default) unknown kids trigger no download at all.
    expect(issuer.jwksFetches).toBe(before);
  });

  it('refuses a tampered payload', async () => {
    const [header, , signature] = (await issuer.token({ scope: 'acme:read' })).split('.');
    const payload = base64url.encode(
      JSON.stringify({
        iss: issuer.issuer,
        aud: AUDIENCE,
        sub: 'user-1',
        scope: 'acme:read acme:write',
        exp: Math.floor(Date.now() / 1000) + 300,
      }),
    );
    expectInvalidToken(
      await call(`${header}.${payload}.${signature}`, 'update_account', { id: '1', name: 'x' }),
      /signature|malformed/,
    );
  });

  it('refuses other authorization schemes and garbage', async () => {
    const basic = await rpc(server.app, 'tools/list', {}, { authorization: 'Basic dXNlcjpwYXNz' });
    expect(basic.status).toBe(401);
    expect(basic.headers['www-authenticate']).toContain('error="invalid_token"');
    expectInvalidToken(await call('not-a-token'), /not a JWT|Unknown token/);
  });

  it('answers 403 insufficient_scope naming the scope before dispatch', async () => {
    const readOnly = await issuer.token({ scope: 'acme:read' });
    const res = await call(readOnly, 'update_account', { id: '1', name: 'x' });
    expect(res.status).toBe(403);
    const challenge = String(res.headers['www-authenticate']);
    expect(challenge).toContain('error="insufficient_scope"');
    expect(challenge).toContain('scope="acme:write"');
    expect(challenge).toContain(`resource_metadata="${METADATA}"`);
    expect(res.body).toMatchObject({ jsonrpc: '2.0', id: 1, error: { code: -32001 } });
    expect(handled).toEqual([]);

    const admin = await call(await issuer.token({ scope: 'acme:read acme:write' }), 'purge_account', {
      id: '1',
    });
    expect(admin.status).toBe(403);
    // The challenge names what a client can request; the role alternative stays in the description.
    expect(String(admin.headers['www-authenticate'])).toContain('scope="acme:admin"');
    expect(String(admin.headers['www-authenticate'])).toContain('acme:admin role:acme-admins');
  });

  it('keeps read and write separate by default', async () => {
    const writeOnly = await issuer.token({ scope: 'acme:write' });
    expect((await call(writeOnly, 'update_account', { id: '1', name: 'x' })).status).toBe(200);
    const read = await call(writeOnly, 'search_accounts', { query: 'a' });
    expect(read.status).toBe(403);
    expect(String(read.headers['www-authenticate'])).toContain('scope="acme:read"');
  });

  it('shows a caller only the tools it may call', async () => {
    const list = async (scope: string, extra = {}) => {
      const res = await rpc(
        server.app,
        'tools/list',
        {},
        bearer(await issuer.token({ scope, extraClaims: extra })),
      );
      return (resultOf(res.body).tools as Array<{ name: string }>).map((t) => t.name).sort();
    };
    expect(await list('acme:read')).toEqual(['failing', 'gated', 'limited', 'search_accounts', 'wait']);
    expect(await list('acme:write')).toEqual(['set_stage', 'update_account']);
    expect(await list('acme:read', { groups: ['acme-admins'] })).toContain('purge_account');
    // Role mapping: the acme-writers group grants acme:write.
    expect(await list('', { groups: ['acme-writers'] })).toEqual(['set_stage', 'update_account']);
  });

  it('maps role claim values to scopes (role:<value> and the configured mapping)', async () => {
    const admin = await issuer.token({ scope: 'acme:read', extraClaims: { groups: ['acme-admins'] } });
    const res = await call(admin, 'purge_account', { id: '7' });
    expect(res.status).toBe(200);
    expect(handled).toEqual(['purge_account']);
  });

  it('accepts a static service token (hashed, with its own scopes) and rejects unknown ones', async () => {
    const ok = await call(SERVICE_SECRET);
    expect(ok.status).toBe(200);
    const caller = seenCallers.at(-1) as { subject: string; kind: string; scopes: string[] };
    expect(caller).toMatchObject({ subject: 'service:reporting', kind: 'service', scopes: ['acme:read'] });
    const write = await call(SERVICE_SECRET, 'update_account', { id: '1', name: 'x' });
    expect(write.status).toBe(403);
    expect((await call(`${SERVICE_SECRET}x`)).status).toBe(401);
  });

  it('never keeps the token on the caller', async () => {
    const token = await issuer.token({ scope: 'acme:read', subject: 'user-42' });
    await call(token);
    const caller = seenCallers.at(-1) as { subject: string; clientId: string; kind: string };
    expect(caller).toMatchObject({ subject: 'user-42', clientId: 'test-client', kind: 'user' });
    const serialized = JSON.stringify(caller);
    expect(serialized).not.toContain(token);
    expect(serialized).not.toContain(token.split('.')[2]);
  });

  it('serves RFC 9728 metadata at both well-known locations without a token', async () => {
    for (const url of [
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]) {
      const res = await server.app.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      const doc = res.json() as Record<string, unknown>;
      expect(doc.resource).toBe(AUDIENCE);
      expect(doc.authorization_servers).toEqual([issuer.issuer]);
      expect(doc.scopes_supported).toEqual(['acme:admin', 'acme:read', 'acme:write', 'role:acme-admins']);
      expect(doc.bearer_methods_supported).toEqual(['header']);
    }
  });

  it('requires a token on every route that is not explicitly public', async () => {
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await server.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    expect((await server.app.inject({ method: 'GET', url: '/anything' })).statusCode).toBe(401);
    expect((await server.app.inject({ method: 'GET', url: '/sse' })).statusCode).toBe(401);
    expect(
      (await server.app.inject({ method: 'POST', url: '/messages?sessionId=x', payload: {} })).statusCode,
    ).toBe(401);
  });
});

describe('JWKS rotation and discovery', () => {
  it('refetches the key set once for a new kid after rotation (short cooldown)', async () => {
    const issuer = await startLocalIssuer({ audience: AUDIENCE });
    const server = await testServer({
      AUTH_MODE: 'oauth',
      OAUTH_ISSUER: issuer.issuer,
      OAUTH_JWKS_COOLDOWN_MS: '0',
    });
    try {
      const first = await rpc(
        server.app,
        'tools/list',
        {},
        bearer(await issuer.token({ scope: 'acme:read' })),
      );
      expect(first.status).toBe(200);
      const oldToken = await issuer.token({ scope: 'acme:read' });
      const fetches = issuer.jwksFetches;
      await issuer.rotate({ retireOld: true });
      const rotated = await rpc(
        server.app,
        'tools/list',
        {},
        bearer(await issuer.token({ scope: 'acme:read' })),
      );
      expect(rotated.status).toBe(200);
      expect(issuer.jwksFetches).toBe(fetches + 1);
      // The retired key is gone from the refreshed set.
      expect((await rpc(server.app, 'tools/list', {}, bearer(oldToken))).status).toBe(401);
    } finally {
      await server.app.close();
      await issuer.close();
    }
  });

  it('stops accepting a token signed by a withdrawn key once its cache entry is gone', async () => {
    const issuer = await startLocalIssuer({ audience: AUDIENCE });
    const cached = await testServer({
      AUTH_MODE: 'oauth',
      OAUTH_ISSUER: issuer.issuer,
      OAUTH_JWKS_COOLDOWN_MS: '0',
    });
    const uncached = await testServer({
      AUTH_MODE: 'oauth',
      OAUTH_ISSUER: issuer.issuer,
      OAUTH_JWKS_COOLDOWN_MS: '0',
      OAUTH_TOKEN_CACHE_MS: '0',
    });
    try {
      const token = await issuer.token({ scope: 'acme:read' });
      for (const server of [cached, uncached])
        expect((await rpc(server.app, 'tools/list', {}, bearer(token))).status).toBe(200);
      await issuer.rotate({ retireOld: true });
      // Make both servers fetch the new key set.
      const fresh = await issuer.token({ scope: 'acme:read' });
      for (const server of [cached, uncached])
        expect((await rpc(server.app, 'tools/list', {}, bearer(fresh))).status).toBe(200);
      // Within OAUTH_TOKEN_CACHE_MS (default 60 s) the verified token is reused; without the cache it is refused at once.
      expect((await rpc(cached.app, 'tools/list', {}, bearer(token))).status).toBe(200);
      expect((await rpc(uncached.app, 'tools/list', {}, bearer(token))).status).toBe(401);
    } finally {
      await cached.app.close();
      await uncached.app.close();
      await issuer.close();
    }
  });

  it('answers 503 with Retry-After when the issuer cannot be reached (not a 401)', async () => {
    const issuer = await startLocalIssuer({ audience: AUDIENCE });
    const token = await issuer.token({ scope: 'acme:read' });
    const url = issuer.issuer;
    await issuer.close();
    const server = await testServer({ AUTH_MODE: 'oauth', OAUTH_ISSUER: url });
    try {
      const res = await rpc(server.app, 'tools/list', {}, bearer(token));
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
    } finally {
      await server.app.close();
    }
  });
});
