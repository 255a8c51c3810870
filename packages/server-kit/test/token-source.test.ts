import { generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { ToolError } from '@mcp-platform/protocol';
import { type FakeUpstream, startFakeUpstream } from '@mcp-platform/test-support';
import { importSPKI, jwtVerify } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { basicAuth, Credential, cachedTokenSource, oauthTokenSource } from '../src/index.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('token sources', () => {
  let fake: FakeUpstream;
  let lastAssertion = '';
  beforeAll(async () => {
    fake = await startFakeUpstream({
      oauth: {
        path: '/oauth2/token',
        clientId: 'client-1',
        clientSecret: 's3cret-value',
        fields: { instance_url: 'https://org.example.com' },
        verifyAssertion: (assertion) => {
          lastAssertion = assertion;
          return true;
        },
      },
    });
  });
  afterAll(() => fake.close());
  beforeEach(() => fake.reset());

  const clientCredentials = (secret = 's3cret-value') =>
    oauthTokenSource({
      system: 'Fakeforce',
      tokenUrl: `${fake.url}/oauth2/token`,
      grant: { type: 'client_credentials', clientId: 'client-1', clientSecret: secret },
    });

  it('fetches one token for many concurrent callers and keeps the response fields', async () => {
    const source = clientCredentials();
    const credentials = await Promise.all(Array.from({ length: 8 }, () => source.get()));
    expect(fake.requests).toHaveLength(1);
    expect(new Set(credentials).size).toBe(1);
    expect(credentials[0]!.fields).toEqual({ instance_url: 'https://org.example.com' });
    expect(credentials[0]!.bearerToken()).toBe(fake.issuedTokens.at(-1));
  });

  it('refreshes once after a rejection, however many callers saw it', async () => {
    const source = clientCredentials();
    const first = await source.get();
    for (let i = 0; i < 5; i++) source.invalidate(first);
    const again = await Promise.all([source.get(), source.get()]);
    expect(again[0]).toBe(again[1]);
    expect(again[0]).not.toBe(first);
    // A late rejection of the old credential does not throw the new one away.
    source.invalidate(first);
    expect(await source.get()).toBe(again[0]);
    expect(fake.requests).toHaveLength(2);
  });

  it('refreshes shortly before expiry', async () => {
    let now = 1_000_000;
    let n = 0;
    const source = cachedTokenSource(
      async () => new Credential({ authorization: `Bearer t${++n}` }, {}, now + 120_000),
      { now: () => now, skewMs: 60_000 },
    );
    expect((await source.get()).bearerToken()).toBe('t1');
    now += 59_000;
    expect((await source.get()).bearerToken()).toBe('t1');
    now += 2_000;
    expect((await source.get()).bearerToken()).toBe('t2');
  });

  it('never shows a secret: JSON, inspect and error messages', async () => {
    const credential = await clientCredentials().get();
    const token = credential.bearerToken()!;
    expect(JSON.stringify({ credential })).not.toContain(token);
    expect(inspect(credential, { showHidden: true, depth: 5 })).not.toContain(token);
    const error = await clientCredentials('wrong-secret')
      .get()
      .then(
        () => undefined,
        (e: unknown) => e as ToolError,
      );
    expect(error).toBeInstanceOf(ToolError);
    expect(error!.code).toBe('UPSTREAM_AUTH_FAILED');
    expect(error!.message).toContain('invalid_grant');
    expect(`${error!.message} ${error!.hint}`).not.toContain('wrong-secret');
  });

  it('password grant sends the user and client; basic client authentication in the header', async () => {
    const source = oauthTokenSource({
      system: 'Fake',
      tokenUrl: `${fake.url}/oauth2/token`,
      clientAuth: 'basic',
      grant: {
        type: 'password',
        clientId: 'client-1',
        clientSecret: 's3cret-value',
        username: 'svc',
        password: 'pw',
      },
    });
    await source.get();
    const request = fake.requests[0]!;
    expect(request.json).toEqual({ grant_type: 'password', username: 'svc', password: 'pw' });
    expect(request.headers.authorization).toBe(
      `Basic ${Buffer.from('client-1:s3cret-value').toString('base64')}`,
    );
  });

  it('JWT bearer signs an RS256 assertion with iss, sub, aud and a short lifetime', async () => {
    const source = oauthTokenSource({
      system: 'Fake',
      tokenUrl: `${fake.url}/oauth2/token`,
      grant: {
        type: 'jwt_bearer',
        issuer: 'client-1',
        subject: 'integration@example.com',
        audience: 'https://login.example.com',
        privateKey: privatePem,
      },
    });
    await source.get();
    const { payload, protectedHeader } = await jwtVerify(
      lastAssertion,
      await importSPKI(publicPem, 'RS256'),
      {
        issuer: 'client-1',
        subject: 'integration@example.com',
        audience: 'https://login.example.com',
      },
    );
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload.exp! - payload.iat!).toBe(180);
  });

  it('basic auth is a static header', async () => {
    const credential = await basicAuth('user', 'pa:ss').get();
    expect(credential.headers()).toEqual({
      authorization: `Basic ${Buffer.from('user:pa:ss').toString('base64')}`,
    });
  });
});
