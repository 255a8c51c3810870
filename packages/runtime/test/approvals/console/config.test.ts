import { describe, expect, it } from 'vitest';
import { baseConfigSchema, loadConfig } from '../../../src/config.ts';
import { ConfigError } from '../../../src/errors.ts';

const BASE = {
  OAUTH_ISSUER: 'https://login.example.com/realms/main',
  REQUEST_STATE_SECRET: 'x'.repeat(40),
  DATABASE_URL: 'postgres://u:p@db:5432/mcp',
};

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(baseConfigSchema, { ...BASE, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return [...(error as ConfigError).problems];
  }
  throw new Error('expected a ConfigError');
}

describe('approvals console and webhook settings', () => {
  it('needs the client secret and a session secret with the console client id', () => {
    expect(problems({ CONSOLE_OIDC_CLIENT_ID: 'crm-console' })).toEqual([
      expect.stringMatching(/^CONSOLE_OIDC_CLIENT_SECRET and CONSOLE_SESSION_SECRET: are required/),
    ]);
    expect(problems({ CONSOLE_SESSION_SECRET: 'short' })).toEqual([
      expect.stringMatching(/^CONSOLE_SESSION_SECRET: must be at least 32 bytes long/),
    ]);
  });

  it('needs a signing secret with webhook URLs and knows only json, slack and teams', () => {
    expect(problems({ APPROVAL_WEBHOOK_URLS: 'https://hooks.example.com/a' })).toEqual([
      expect.stringMatching(/^APPROVAL_WEBHOOK_SECRET: is required with APPROVAL_WEBHOOK_URLS/),
    ]);
    expect(problems({ APPROVAL_WEBHOOK_FORMAT: 'email' })[0]).toMatch(/^APPROVAL_WEBHOOK_FORMAT:/);
    const config = loadConfig(baseConfigSchema, {
      ...BASE,
      APPROVAL_WEBHOOK_URLS: 'https://hooks.example.com/a,https://hooks.example.com/b',
      APPROVAL_WEBHOOK_SECRET: 's'.repeat(32),
      APPROVAL_WEBHOOK_FORMAT: 'teams',
      CONSOLE_OIDC_CLIENT_ID: 'crm-console',
      CONSOLE_OIDC_CLIENT_SECRET: 'secret',
      CONSOLE_SESSION_SECRET: 'k'.repeat(32),
    });
    expect(config.APPROVAL_WEBHOOK_URLS).toEqual([
      'https://hooks.example.com/a',
      'https://hooks.example.com/b',
    ]);
    expect(config.APPROVAL_WEBHOOK_FORMAT).toBe('teams');
  });
});
