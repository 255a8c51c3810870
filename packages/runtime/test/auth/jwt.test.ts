import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { discoverJwksUrl, metadataUrls } from '../../src/auth/jwt.ts';
import { JwksUnavailableError } from '../../src/errors.ts';

let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

/** Serves `documents` by path on 127.0.0.1; `{base}` in a document is replaced by the server's URL. */
async function serve(documents: Record<string, unknown>): Promise<string> {
  let base = '';
  server = createServer((req, res) => {
    const doc = documents[req.url ?? ''];
    if (doc === undefined) return res.writeHead(404).end();
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify(doc).replaceAll('{base}', base));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return base;
}

describe('issuer metadata discovery', () => {
  it('looks in the RFC 8414 path-inserted location first, then OpenID Connect discovery', () => {
    expect(metadataUrls('https://login.example.com/realms/main')).toEqual([
      'https://login.example.com/.well-known/oauth-authorization-server/realms/main',
      'https://login.example.com/realms/main/.well-known/openid-configuration',
    ]);
    expect(metadataUrls('https://login.example.com/')).toEqual([
      'https://login.example.com/.well-known/oauth-authorization-server',
      'https://login.example.com/.well-known/openid-configuration',
    ]);
  });

  it('finds jwks_uri through OpenID Connect discovery when RFC 8414 metadata is absent', async () => {
    const base = await serve({
      '/tenant/.well-known/openid-configuration': { issuer: '{base}/tenant', jwks_uri: '{base}/tenant/keys' },
    });
    expect(await discoverJwksUrl(`${base}/tenant`, 2000)).toBe(`${base}/tenant/keys`);
  });

  it('refuses metadata that names another issuer (mix-up defence)', async () => {
    const base = await serve({
      '/.well-known/oauth-authorization-server': {
        issuer: 'https://evil.example.com',
        jwks_uri: 'https://evil.example.com/keys',
      },
    });
    const error = await discoverJwksUrl(base, 2000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(JwksUnavailableError);
    expect((error as Error).message).toMatch(/metadata issuer "https:\/\/evil.example.com" is not/);
    expect((error as Error).message).toMatch(/Set OAUTH_JWKS_URL/);
  });
});
