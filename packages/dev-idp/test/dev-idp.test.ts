import { createHash, randomBytes } from 'node:crypto';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DevIdp, startDevIdp } from '../src/index.ts';

const CRM = 'http://127.0.0.1:3001/mcp';
const FINANCE = 'http://127.0.0.1:3003/mcp';

describe('development identity provider', () => {
  let idp: DevIdp;
  beforeAll(async () => {
    idp = await startDevIdp({ resources: [{ uri: CRM, server: 'crm' }] });
    idp.addResource({ uri: FINANCE, server: 'finance' });
  });
  afterAll(() => idp.close());

  const verify = (token: string, audience: string) =>
    jwtVerify(token, createRemoteJWKSet(new URL(`${idp.issuer}/jwks`)), { issuer: idp.issuer, audience });

  it('refuses to bind or issue off loopback', async () => {
    await expect(startDevIdp({ host: '0.0.0.0' })).rejects.toMatchObject({ code: 'DEV_IDP_NOT_LOOPBACK' });
    await expect(startDevIdp({ issuer: 'https://idp.example.com' })).rejects.toMatchObject({
      code: 'DEV_IDP_NOT_LOOPBACK',
    });
  });

  it('issues a JWT access token for the requested resource with the scopes the person holds', async () => {
    const tokens = await idp.tokensFor({
      person: 'sam.sales',
      resource: CRM,
      scope: 'openid profile crm:read crm:write crm:approve',
    });
    const { payload } = await verify(tokens.accessToken, CRM);
    expect(payload.sub).toBe('sam.sales');
    expect(String(payload.scope).split(' ').sort()).toEqual(['crm:read', 'crm:write']);
    expect(payload.groups).toEqual(['sales-rep']);
    expect(tokens.refreshToken).toBeTruthy();
    await expect(verify(tokens.accessToken, FINANCE)).rejects.toThrow();
  });

  it('gives an approver the approve scope and nothing for another resource', async () => {
    const tokens = await idp.tokensFor({
      person: 'pat.procure',
      resource: FINANCE,
      scope: 'openid finance:read finance:write finance:approve crm:write',
    });
    const { payload } = await verify(tokens.accessToken, FINANCE);
    expect(String(payload.scope).split(' ').sort()).toEqual(['finance:approve', 'finance:read']);
  });

  it('refreshes a token for the same resource', async () => {
    const tokens = await idp.tokensFor({ person: 'sam.sales', resource: CRM, scope: 'openid crm:read' });
    const response = await fetch(`${idp.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: tokens.refreshToken!,
        client_id: 'dev-idp-test-client',
      }).toString(),
    });
    const body = (await response.json()) as { access_token: string };
    expect(response.status).toBe(200);
    const { payload } = await verify(body.access_token, CRM);
    expect(payload.scope).toBe('crm:read');
  });

  it('refuses an unknown resource', async () => {
    await expect(idp.tokensFor({ person: 'sam.sales', resource: 'http://127.0.0.1:1/mcp' })).rejects.toThrow(
      /invalid_target|unknown resource/,
    );
  });

  it('advertises what MCP hosts need and registers a public client with a loopback redirect', async () => {
    const meta = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<
      string,
      unknown
    >;
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    expect(meta.registration_endpoint).toBe(`${idp.issuer}/reg`);
    expect(meta.client_id_metadata_document_supported).toBe(true);
    expect(meta.grant_types_supported).toEqual(
      expect.arrayContaining(['authorization_code', 'refresh_token']),
    );

    const registered = await fetch(`${idp.issuer}/reg`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'An MCP host',
        redirect_uris: ['http://127.0.0.1:45678/callback'],
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      }),
    });
    const client = (await registered.json()) as { client_id: string };
    expect(registered.status).toBe(201);

    const verifier = randomBytes(32).toString('base64url');
    const authorize = new URL(`${idp.issuer}/auth`);
    authorize.search = new URLSearchParams({
      client_id: client.client_id,
      response_type: 'code',
      redirect_uri: 'http://127.0.0.1:45678/callback',
      scope: 'openid crm:read',
      resource: CRM,
      state: 'xyz',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    const back = await idp.signIn(authorize, 'sam.sales');
    expect(back.origin + back.pathname).toBe('http://127.0.0.1:45678/callback');
    expect(back.searchParams.get('code')).toBeTruthy();

    // Without PKCE the request is refused.
    authorize.searchParams.delete('code_challenge');
    authorize.searchParams.delete('code_challenge_method');
    const refused = await idp.signIn(authorize, 'sam.sales');
    expect(refused.searchParams.get('error')).toBe('invalid_request');
  });
});
