import { generateKeyPairSync } from 'node:crypto';
import { backgroundCall } from '@mcp-platform/server-kit';
import { createTestDatabase, type TestDatabase } from '@mcp-platform/test-support';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { SalesforceBackend, type SalesforceBackendOptions } from '../src/backends/salesforce.ts';
import type { FakeSalesforce } from './fake-salesforce.ts';

/** The fixed date the test data is generated around (the seed is deterministic given it). */
export const ANCHOR = '2026-11-23';

/** The call a test makes a backend operation under outside any MCP call (never cancelled). */
export const background = backgroundCall();

export const silentLog = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;

export function rsaKeyPair(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** A Salesforce backend on the fake org (client credentials unless `auth` says otherwise). */
export function salesforceOn(
  fake: FakeSalesforce,
  overrides: Partial<SalesforceBackendOptions> = {},
): SalesforceBackend {
  return new SalesforceBackend({
    auth: {
      flow: 'client_credentials',
      loginUrl: fake.url,
      clientId: 'fake-client-id',
      clientSecret: 'fake-client-secret',
    },
    apiVersion: '62.0',
    log: silentLog,
    ...overrides,
  });
}

/** A database of its own on the PostgreSQL at `adminUrl`, so suites never see each other's rows. */
export function freshDatabase(adminUrl: string, label: string): Promise<TestDatabase> {
  return createTestDatabase(adminUrl, `crm_${label}`);
}
