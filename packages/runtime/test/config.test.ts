import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { baseConfigSchema, loadConfig } from '../src/config.ts';
import { ConfigError } from '../src/errors.ts';

const SECRET = 'x'.repeat(40);
const OAUTH = {
  OAUTH_ISSUER: 'https://login.example.com/realms/main',
  REQUEST_STATE_SECRET: SECRET,
  DATABASE_URL: 'postgres://u:p@db:5432/mcp',
};

function problems(env: Record<string, string>, schema: z.ZodType = baseConfigSchema): string[] {
  try {
    loadConfig(schema as typeof baseConfigSchema, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and derives PUBLIC_URL and the audience', () => {
    const config = loadConfig(baseConfigSchema, OAUTH);
    expect(config.HOST).toBe('127.0.0.1');
    expect(config.PORT).toBe(3000);
    expect(config.PUBLIC_URL).toBe('http://127.0.0.1:3000');
    expect(config.OAUTH_AUDIENCE).toBe('http://127.0.0.1:3000/mcp');
    expect(config.OAUTH_ALGORITHMS).toEqual(['RS256', 'PS256', 'ES256']);
    expect(config.RATE_LIMIT_PER_MINUTE).toBe(120);
    expect(config.METRICS_ENABLED).toBe(true);
    expect(config.SERVICE_TOKENS).toEqual([]);
  });

  it('coerces numbers and booleans, splits lists and treats empty values as unset', () => {
    const config = loadConfig(baseConfigSchema, {
      ...OAUTH,
      PORT: '8080',
      PUBLIC_URL: 'https://crm.example.com/',
      METRICS_ENABLED: 'false',
      ALLOWED_ORIGINS: 'https://a.example.com, https://b.example.com',
      RATE_LIMIT_OVERRIDES: 'create_task=10, search=600',
      OAUTH_AUDIENCE: '',
      TRUST_PROXY: '2',
    });
    expect(config.PORT).toBe(8080);
    expect(config.PUBLIC_URL).toBe('https://crm.example.com');
    expect(config.OAUTH_AUDIENCE).toBe('https://crm.example.com/mcp');
    expect(config.METRICS_ENABLED).toBe(false);
    expect(config.ALLOWED_ORIGINS).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect([...config.RATE_LIMIT_OVERRIDES]).toEqual([
      ['create_task', 10],
      ['search', 600],
    ]);
    expect(config.TRUST_PROXY).toBe(2);
  });

  it('names every bad variable with the expected form, without echoing secret values', () => {
    const found = problems({
      ...OAUTH,
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      REQUEST_STATE_SECRET: 'short-secret-value',
      OAUTH_ALGORITHMS: 'RS256,HS256',
      REDIS_URL: 'http://cache:6379',
    });
    const text = found.join('\n');
    expect(found.find((p) => p.startsWith('PORT:'))).toMatch(/expected a TCP port 0-65535/);
    expect(found.find((p) => p.startsWith('LOG_LEVEL:'))).toMatch(/one of fatal, error/);
    expect(found.find((p) => p.startsWith('REQUEST_STATE_SECRET:'))).toMatch(/at least 32 bytes/);
    expect(found.find((p) => p.startsWith('OAUTH_ALGORITHMS'))).toMatch(/RS256/);
    expect(found.find((p) => p.startsWith('REDIS_URL:'))).toMatch(/redis:\/\//);
    expect(text).not.toContain('short-secret-value');
  });

  it('refuses AUTH_MODE=none unless bound to loopback', () => {
    const [problem] = problems({ AUTH_MODE: 'none', HOST: '0.0.0.0' });
    expect(problem).toMatch(
      /^AUTH_MODE: none is only allowed when HOST is a loopback address.*HOST=0\.0\.0\.0/,
    );
    for (const host of ['127.0.0.1', '::1', 'localhost', '127.0.0.2']) {
      expect(loadConfig(baseConfigSchema, { AUTH_MODE: 'none', HOST: host }).AUTH_MODE).toBe('none');
    }
  });

  it('requires an issuer, a request-state secret and the audit database in oauth mode', () => {
    const found = problems({});
    expect(found.some((p) => p.startsWith('OAUTH_ISSUER: is required when AUTH_MODE=oauth'))).toBe(true);
    expect(found.some((p) => p.startsWith('REQUEST_STATE_SECRET: is required'))).toBe(true);
    expect(found.some((p) => p.startsWith('DATABASE_URL: is required for the audit trail'))).toBe(true);
    const withoutAudit = loadConfig(baseConfigSchema, { ...OAUTH, DATABASE_URL: '', AUDIT_ENABLED: 'false' });
    expect(withoutAudit.DATABASE_URL).toBeUndefined();
  });

  it('needs PUBLIC_URL when serving OAuth on a non-loopback interface', () => {
    expect(problems({ ...OAUTH, HOST: '0.0.0.0' })).toEqual([
      expect.stringMatching(/^PUBLIC_URL: is required when HOST=0\.0\.0\.0 is not a loopback address/),
    ]);
    const config = loadConfig(baseConfigSchema, {
      ...OAUTH,
      HOST: '0.0.0.0',
      PUBLIC_URL: 'https://crm.example.com',
    });
    expect(config.OAUTH_AUDIENCE).toBe('https://crm.example.com/mcp');
  });

  it('makes a random per-process request-state secret only for loopback AUTH_MODE=none', () => {
    const a = loadConfig(baseConfigSchema, { AUTH_MODE: 'none' });
    const b = loadConfig(baseConfigSchema, { AUTH_MODE: 'none' });
    expect(Buffer.byteLength(a.REQUEST_STATE_SECRET)).toBeGreaterThanOrEqual(32);
    expect(a.REQUEST_STATE_SECRET).not.toBe(b.REQUEST_STATE_SECRET);
  });

  it('parses service tokens into hashes and scopes, and rejects malformed entries', () => {
    const hash = 'ab'.repeat(32);
    const config = loadConfig(baseConfigSchema, {
      ...OAUTH,
      SERVICE_TOKENS: `reporting:${hash}:acme:read acme:export, etl:${'cd'.repeat(32)}:acme:write`,
    });
    expect(config.SERVICE_TOKENS.map((t) => [t.name, t.hash.toString('hex'), t.scopes])).toEqual([
      ['reporting', hash, ['acme:read', 'acme:export']],
      ['etl', 'cd'.repeat(32), ['acme:write']],
    ]);
    expect(problems({ ...OAUTH, SERVICE_TOKENS: 'reporting:nothex:acme:read' })[0]).toMatch(
      /^SERVICE_TOKENS: entry 1 \(reporting\): the hash must be 64 hex/,
    );
    expect(problems({ ...OAUTH, SERVICE_TOKENS: `reporting:${hash}:` })[0]).toMatch(/at least one scope/);
  });

  it('parses role mappings (split at the last =) and needs the role claim with them', () => {
    const config = loadConfig(baseConfigSchema, {
      ...OAUTH,
      OAUTH_ROLE_CLAIM: 'groups',
      OAUTH_ROLE_SCOPES: 'CN=crm,OU=apps=acme:read acme:write; admins=acme:admin',
    });
    expect(config.OAUTH_ROLE_SCOPES?.get('CN=crm,OU=apps')).toEqual(['acme:read', 'acme:write']);
    expect(config.OAUTH_ROLE_SCOPES?.get('admins')).toEqual(['acme:admin']);
    expect(problems({ ...OAUTH, OAUTH_ROLE_SCOPES: 'admins=acme:admin' })[0]).toMatch(
      /^OAUTH_ROLE_CLAIM: is required/,
    );
  });

  it('lets servers extend the schema with their own variables', () => {
    const schema = baseConfigSchema.extend({
      // Base URL of the CRM.
      CRM_URL: z.url().describe('the CRM base URL, e.g. https://acme.my.salesforce.com'),
      CRM_PAGE_SIZE: z.coerce.number().int().min(1).default(50).describe('a positive integer'),
    });
    const config = loadConfig(schema, { ...OAUTH, CRM_URL: 'https://acme.example.com' });
    expect(config.CRM_URL).toBe('https://acme.example.com');
    expect(config.CRM_PAGE_SIZE).toBe(50);
    expect(config.OAUTH_AUDIENCE).toBe('http://127.0.0.1:3000/mcp');
    const found = problems({ ...OAUTH }, schema);
    expect(found).toEqual([
      'CRM_URL: is required but not set (expected the CRM base URL, e.g. https://acme.my.salesforce.com)',
    ]);
  });
});
