import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerDefinition } from '@mcp-platform/protocol';
import {
  baseConfigSchema,
  createServer,
  loadConfig,
  migrateServer,
  parseEnv,
  type RuntimeFeature,
  type RuntimeServer,
} from '@mcp-platform/runtime';
import { createBackend, crmConfigSchema, crmDefinition } from '@mcp-platform/server-crm';
import {
  ingestDemoCorpus,
  knowledgeConfigSchema,
  knowledgeDefinition,
  knowledgeFeature,
  openIndex,
} from '@mcp-platform/server-knowledge';
import { createTestDatabase, type TestDatabase } from '@mcp-platform/test-support';
import pino from 'pino';
import type { EnterpriseIdp } from './enterprise-idp.ts';

export type ServerName = 'crm' | 'knowledge';
export const SERVERS: readonly ServerName[] = ['crm', 'knowledge'];

type Call = [tool: string, args: Record<string, unknown>];

/**
 * A read tool of each server, and a write tool whose arguments come from the read's result (a record
 * of the demo data). CRM writes are confirmed by the user (approval `confirm`); knowledge feedback is not.
 */
export const CALLS: Record<ServerName, { read: Call; write: (read: Record<string, unknown>) => Call }> = {
  crm: {
    read: ['search_accounts', { limit: 2 }],
    write: (read) => [
      'log_activity',
      {
        relatedTo: (read.items as Array<{ id: string }> | undefined)?.[0]?.id,
        type: 'Call',
        subject: 'OAuth step-up test call',
      },
    ],
  },
  knowledge: {
    read: ['list_recent_documents', { limit: 2 }],
    write: (read) => [
      'submit_feedback',
      {
        documentId: (read.documents as Array<{ documentId: string }> | undefined)?.[0]?.documentId,
        rating: 'helpful',
        query: 'oauth',
      },
    ],
  },
};

export interface OAuthServer {
  name: ServerName;
  /** Base URL (`PUBLIC_URL`); the MCP endpoint is `${url}/mcp`. */
  url: string;
  /** The resource URI tokens are issued for (OAUTH_AUDIENCE). */
  resource: string;
  runtime: RuntimeServer;
  close(): Promise<void>;
}

const silent = pino({ level: 'silent' });

/** A free loopback port: the server's PUBLIC_URL (and so its resource URI) must be known before it starts. */
async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/** Migrates the runtime's tables (audit, approvals) as `<server> migrate` does. */
async function migrateRuntime(name: string, databaseUrl: string): Promise<void> {
  await migrateServer({ name, env: { DATABASE_URL: databaseUrl }, config: {} });
}

/**
 * Starts the real `name` server (its definition over demo data in a fresh test database, audit and
 * approvals on) as an OAuth resource server trusting `idp`, and registers its resource at the IdP.
 * Token checks are exact (no clock skew, no verified-token cache) so expiry tests need no slack.
 */
export async function startOAuthServer(
  name: ServerName,
  idp: EnterpriseIdp,
  databaseUrl: string,
  options: {
    /**
     * The resource URI: `endpoint` = `PUBLIC_URL/mcp` (the default of OAUTH_AUDIENCE), `origin` =
     * `PUBLIC_URL`, which SDK clients of the legacy `/sse` endpoint need (the resource must be a prefix
     * of the URL they connect to).
     */
    resource?: 'endpoint' | 'origin';
    /** `none`: no authentication (loopback only), the way `pnpm start` runs a server locally. */
    auth?: 'oauth' | 'none';
  } = {},
): Promise<OAuthServer> {
  const db: TestDatabase = await createTestDatabase(databaseUrl, `oauth_${name}`);
  const spoolDir = await mkdtemp(join(tmpdir(), `oauth-${name}-spool-`));
  let runtime: RuntimeServer | undefined;
  let closeBackend: () => Promise<void> = async () => {};
  try {
    await migrateRuntime(name, db.url);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const config = loadConfig(baseConfigSchema, {
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'silent',
      PUBLIC_URL: url,
      ...(options.auth === 'none' ? { AUTH_MODE: 'none' } : { AUTH_MODE: 'oauth', OAUTH_ISSUER: idp.issuer }),
      OAUTH_CLOCK_SKEW_SECONDS: '0',
      OAUTH_TOKEN_CACHE_MS: '0',
      REQUEST_STATE_SECRET: `oauth-e2e-${name}-request-state-secret-0123456789`,
      DATABASE_URL: db.url,
      AUDIT_SPOOL_DIR: spoolDir,
      RATE_LIMIT_PER_MINUTE: '0',
      ...(options.resource === 'origin' ? { OAUTH_AUDIENCE: url } : {}),
    });
    let definition: ServerDefinition;
    const features: RuntimeFeature[] = [];
    if (name === 'crm') {
      const crmConfig = parseEnv(crmConfigSchema, {
        CRM_BACKEND: 'sandbox',
        SANDBOX_ANCHOR_DATE: '2026-11-23',
      });
      const crm = await createBackend(crmConfig, db.url, { log: silent });
      closeBackend = async () => (crm as { close?: () => Promise<void> }).close?.();
      definition = crmDefinition({ crm, today: () => '2026-11-23' });
    } else {
      const knowledgeConfig = parseEnv(knowledgeConfigSchema, { AUTH_MODE: 'oauth' });
      const kb = await openIndex({
        config: knowledgeConfig,
        databaseUrl: db.url,
        migrate: true,
        log: silent,
      });
      closeBackend = () => kb.close();
      await ingestDemoCorpus(kb, new Date('2026-11-01T12:00:00Z'));
      definition = knowledgeDefinition(kb);
      features.push(knowledgeFeature({ kb, config: knowledgeConfig, log: silent }));
    }
    runtime = await createServer({ definition, config, features });
    await runtime.listen();
    const resource = config.OAUTH_AUDIENCE;
    if (options.auth !== 'none') idp.addResource({ uri: resource, server: name });
    const started = runtime;
    return {
      name,
      url,
      resource,
      runtime: started,
      async close() {
        await started.app.close();
        await closeBackend();
        await db.drop();
        await rm(spoolDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await runtime?.app.close().catch(() => {});
    await closeBackend().catch(() => {});
    await db.drop().catch(() => {});
    await rm(spoolDir, { recursive: true, force: true });
    throw error;
  }
}
