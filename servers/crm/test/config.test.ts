import { ConfigError, parseEnv } from '@mcp-platform/runtime';
import { describe, expect, it } from 'vitest';
import { chooseBackend, crmConfigSchema } from '../src/config.ts';

const load = (env: Record<string, string>) => parseEnv(crmConfigSchema, env);
const problemsOf = (fn: () => unknown): readonly string[] => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('CRM configuration', () => {
  it('defaults: port 3001, sandbox backend, pinned API version 62.0', () => {
    const config = load({});
    expect(config).toMatchObject({
      PORT: 3001,
      CRM_BACKEND: 'auto',
      SALESFORCE_API_VERSION: '62.0',
      SANDBOX_DATA_DIR: '.data/crm',
    });
    expect(chooseBackend(config)).toEqual({ kind: 'sandbox' });
  });

  it('client credentials when a client id and secret are set', () => {
    const choice = chooseBackend(
      load({
        SALESFORCE_CLIENT_ID: 'id',
        SALESFORCE_CLIENT_SECRET: 'secret',
        SALESFORCE_LOGIN_URL: 'https://acme.my.salesforce.com/',
      }),
    );
    expect(choice).toEqual({
      kind: 'salesforce',
      apiVersion: '62.0',
      auth: {
        flow: 'client_credentials',
        loginUrl: 'https://acme.my.salesforce.com',
        clientId: 'id',
        clientSecret: 'secret',
      },
    });
  });

  it('JWT bearer when a private key file is set; the key is read from the file', () => {
    const pem = '-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n';
    const choice = chooseBackend(
      load({
        SALESFORCE_CLIENT_ID: 'id',
        SALESFORCE_USERNAME: 'mcp@acme.com',
        SALESFORCE_PRIVATE_KEY_FILE: '/run/secrets/sf.pem',
      }),
      (path) => (path === '/run/secrets/sf.pem' ? pem : ''),
    );
    expect(choice).toMatchObject({
      kind: 'salesforce',
      auth: {
        flow: 'jwt_bearer',
        username: 'mcp@acme.com',
        privateKey: pem,
        audience: 'https://login.salesforce.com',
      },
    });
  });

  it('names every missing or unusable variable at once', () => {
    expect(problemsOf(() => chooseBackend(load({ CRM_BACKEND: 'salesforce' })))).toEqual([
      'SALESFORCE_CLIENT_ID: is required for the Salesforce backend',
      'SALESFORCE_CLIENT_SECRET: is required for the client_credentials flow',
    ]);
    const problems = problemsOf(() =>
      chooseBackend(
        load({
          SALESFORCE_CLIENT_ID: 'id',
          SALESFORCE_AUTH_FLOW: 'jwt_bearer',
          SALESFORCE_PRIVATE_KEY_FILE: '/nope.pem',
        }),
        () => {
          throw Object.assign(new Error('missing'), { code: 'ENOENT' });
        },
      ),
    );
    expect(problems).toEqual([
      'SALESFORCE_USERNAME: is required for the jwt_bearer flow',
      'SALESFORCE_PRIVATE_KEY_FILE: cannot read /nope.pem (ENOENT)',
    ]);
  });

  it('rejects a malformed API version or anchor date', () => {
    expect(problemsOf(() => load({ SALESFORCE_API_VERSION: '62' })).join()).toContain(
      'SALESFORCE_API_VERSION',
    );
    expect(problemsOf(() => load({ SANDBOX_ANCHOR_DATE: '23/11/2026' })).join()).toContain(
      'SANDBOX_ANCHOR_DATE',
    );
  });

  it('CRM_BACKEND=sandbox wins over credentials', () => {
    expect(chooseBackend(load({ CRM_BACKEND: 'sandbox', SALESFORCE_CLIENT_ID: 'id' }))).toEqual({
      kind: 'sandbox',
    });
  });
});
