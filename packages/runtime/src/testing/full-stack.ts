import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerDefinition } from '@mcp-platform/protocol';
import type { DestinationStream } from 'pino';
import { migrate } from '../audit/migrate.ts';
import { baseConfigSchema, loadConfig } from '../config.ts';
import type { RuntimeMetrics } from '../observability/metrics.ts';
import type { CreateServerOptions, RuntimeServer } from '../server.ts';
import { createServer } from '../server.ts';
import { type LocalIssuer, startLocalIssuer } from './local-issuer.ts';

export interface FullStackOptions {
  definition: ServerDefinition;
  /** PostgreSQL for the audit trail; without it the stack runs without audit. */
  databaseUrl?: string | undefined;
  /** Redis for shared rate limits; without it rate limits are per process. */
  redisUrl?: string | undefined;
  /** Extra environment (e.g. RATE_LIMIT_PER_MINUTE, LOG_LEVEL); wins over the defaults here. */
  env?: Record<string, string>;
  features?: CreateServerOptions['features'];
  /** Apply the runtime's migrations (audit trail, approvals) to `databaseUrl` first (default true; idempotent). */
  migrate?: boolean;
  logStream?: DestinationStream;
  /** An issuer to share with other stacks (one identity provider for several servers); not closed here. */
  issuer?: LocalIssuer;
  /** Metrics to use (so a backend built before the server shares them, and its spans). */
  metrics?: RuntimeMetrics;
}

export interface FullStack {
  server: RuntimeServer;
  issuer: LocalIssuer;
  /** Base URL of the listening server, e.g. http://127.0.0.1:41234. */
  url: string;
  /** A bearer token for this server with the given scopes (default: `<server>:read <server>:write`). */
  token(scope?: string, subject?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * Starts a server with the full production stack in-process on 127.0.0.1 — JWT auth against a real
 * local issuer (JWKS over HTTP), rate limits (Redis when given), the audit trail (PostgreSQL when
 * given) and metrics — for benchmarks and end-to-end tests. Rate limits default to a ceiling the
 * benchmark never reaches, so the limiter's cost is measured without refusals.
 */
export async function startFullStack(options: FullStackOptions): Promise<FullStack> {
  const publicUrl = 'http://full-stack.test';
  const ownIssuer = options.issuer === undefined;
  const issuer = options.issuer ?? (await startLocalIssuer({ audience: `${publicUrl}/mcp` }));
  const spoolDir = await mkdtemp(join(tmpdir(), 'mcp-full-stack-'));
  try {
    if (options.databaseUrl !== undefined && (options.migrate ?? true)) await migrate(options.databaseUrl);
    const config = loadConfig(baseConfigSchema, {
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'warn',
      PUBLIC_URL: publicUrl,
      AUTH_MODE: 'oauth',
      OAUTH_ISSUER: issuer.issuer,
      REQUEST_STATE_SECRET: 'full-stack-request-state-secret-0123456789',
      AUDIT_SPOOL_DIR: spoolDir,
      AUDIT_ENABLED: options.databaseUrl === undefined ? 'false' : 'true',
      RATE_LIMIT_PER_MINUTE: '1000000',
      ...(options.databaseUrl === undefined ? {} : { DATABASE_URL: options.databaseUrl }),
      ...(options.redisUrl === undefined ? {} : { REDIS_URL: options.redisUrl }),
      ...options.env,
    });
    const server = await createServer({
      definition: options.definition,
      config,
      ...(options.features === undefined ? {} : { features: options.features }),
      ...(options.logStream === undefined ? {} : { logStream: options.logStream }),
      ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    });
    const url = await server.listen();
    const prefix = config.OAUTH_SCOPE_PREFIX ?? options.definition.name;
    return {
      server,
      issuer,
      url,
      token: (scope = `${prefix}:read ${prefix}:write`, subject = 'bench-user') =>
        issuer.token({ scope, subject }),
      async close() {
        await server.app.close();
        if (ownIssuer) await issuer.close();
        await rm(spoolDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (ownIssuer) await issuer.close();
    await rm(spoolDir, { recursive: true, force: true });
    throw error;
  }
}
