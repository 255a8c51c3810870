import { generateKeyPairSync } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';
import { SalesforceBackend, type SalesforceBackendOptions } from '../src/backends/salesforce.ts';
import type { FakeSalesforce } from './fake-salesforce.ts';

/** The fixed date the test data is generated around (the seed is deterministic given it). */
export const ANCHOR = '2026-11-23';

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

/**
 * A database of its own on the PostgreSQL at `adminUrl` (CREATE DATABASE), so suites never see each
 * other's rows; `drop()` removes it.
 */
export async function freshDatabase(
  adminUrl: string,
  label: string,
): Promise<{ url: string; drop: () => Promise<void> }> {
  const { default: pg } = await import('pg');
  const name = `crm_${label}_${process.pid}_${Math.floor(Math.random() * 1e9)}`.toLowerCase();
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}
