import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseConfigSchema, ConfigError } from '@mcp-platform/runtime';
import { directoryPath, httpUrl, port, sandboxAnchorDate, sandboxSeed } from '@mcp-platform/server-kit';
import { z } from 'zod';

/**
 * The ITSM server's configuration: the runtime's common variables plus its own, one line each. With
 * no ServiceNow instance URL it serves the sandbox instance (embedded PostgreSQL without DATABASE_URL).
 */
export const itsmConfigSchema = baseConfigSchema.extend({
  // TCP port (the ITSM server's conventional port is 3002).
  PORT: port(3002),
  // Audit spool directory; per server by default so servers started side by side (`pnpm start`) never share one.
  AUDIT_SPOOL_DIR: directoryPath(join(tmpdir(), 'mcp-audit-spool', 'itsm')),
  // Which backend: `servicenow`, `sandbox` (demo instance in PostgreSQL), or `auto` (ServiceNow when SERVICENOW_INSTANCE_URL is set).
  ITSM_BACKEND: z
    .enum(['auto', 'servicenow', 'sandbox'])
    .default('auto')
    .describe('auto, servicenow or sandbox'),
  // The instance, e.g. https://acme.service-now.com.
  SERVICENOW_INSTANCE_URL: httpUrl('https://acme.service-now.com').optional(),
  // How the integration user signs in: `oauth_client_credentials`, `oauth_password` or `basic` (default: oauth_password when SERVICENOW_CLIENT_ID is set, else basic).
  SERVICENOW_AUTH: z
    .enum(['oauth_client_credentials', 'oauth_password', 'basic'])
    .optional()
    .describe('oauth_client_credentials, oauth_password or basic'),
  // OAuth application registry client id (/oauth_token.do).
  SERVICENOW_CLIENT_ID: z.string().min(1).optional().describe('the OAuth client id'),
  // OAuth client secret; mount it from a secret.
  SERVICENOW_CLIENT_SECRET: z.string().min(1).optional().describe('the OAuth client secret'),
  // Integration user (password grant and basic auth), e.g. mcp.integration.
  SERVICENOW_USERNAME: z.string().min(1).optional().describe('the integration user name'),
  // Integration user's password; mount it from a secret.
  SERVICENOW_PASSWORD: z.string().min(1).optional().describe('the integration user password'),
  // Per-request timeout towards the instance.
  SERVICENOW_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(120_000)
    .default(15_000)
    .describe('milliseconds'),
  // Embedded PostgreSQL (PGlite) data directory for the sandbox when DATABASE_URL is unset; use /tmp/... in containers.
  // Its own name (not crm's SANDBOX_DATA_DIR): `pnpm start` passes one environment to every server.
  ITSM_SANDBOX_DATA_DIR: directoryPath('.data/itsm'),
  // Date the demo data is generated around (YYYY-MM-DD; default: today, fixed at first seeding).
  SANDBOX_ANCHOR_DATE: sandboxAnchorDate(),
  // Seed of the demo data generator (same seed and anchor date, same data).
  SANDBOX_SEED: sandboxSeed(),
});

export type ItsmConfig = z.output<typeof itsmConfigSchema>;

export type ServiceNowAuth =
  | { kind: 'oauth_client_credentials'; clientId: string; clientSecret: string }
  | {
      kind: 'oauth_password';
      clientId: string;
      clientSecret?: string | undefined;
      username: string;
      password: string;
    }
  | { kind: 'basic'; username: string; password: string };

export type BackendChoice =
  | { kind: 'sandbox' }
  | { kind: 'servicenow'; instanceUrl: string; auth: ServiceNowAuth; timeoutMs: number };

/** Decides the backend from the loaded config; names every missing variable at once. */
export function chooseBackend(config: ItsmConfig): BackendChoice {
  const wantServiceNow =
    config.ITSM_BACKEND === 'servicenow' ||
    (config.ITSM_BACKEND === 'auto' && config.SERVICENOW_INSTANCE_URL !== undefined);
  if (!wantServiceNow) return { kind: 'sandbox' };
  const mode = config.SERVICENOW_AUTH ?? (config.SERVICENOW_CLIENT_ID ? 'oauth_password' : 'basic');
  const problems: string[] = [];
  const need = (name: keyof ItsmConfig, why: string) => {
    if (!config[name]) problems.push(`${name}: is required ${why}`);
  };
  need('SERVICENOW_INSTANCE_URL', 'for the ServiceNow backend (e.g. https://acme.service-now.com)');
  if (mode !== 'basic') need('SERVICENOW_CLIENT_ID', `for ${mode}`);
  if (mode === 'oauth_client_credentials') need('SERVICENOW_CLIENT_SECRET', `for ${mode}`);
  if (mode !== 'oauth_client_credentials') {
    need('SERVICENOW_USERNAME', `for ${mode}`);
    need('SERVICENOW_PASSWORD', `for ${mode}`);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const auth: ServiceNowAuth =
    mode === 'oauth_client_credentials'
      ? { kind: mode, clientId: config.SERVICENOW_CLIENT_ID!, clientSecret: config.SERVICENOW_CLIENT_SECRET! }
      : mode === 'oauth_password'
        ? {
            kind: mode,
            clientId: config.SERVICENOW_CLIENT_ID!,
            clientSecret: config.SERVICENOW_CLIENT_SECRET,
            username: config.SERVICENOW_USERNAME!,
            password: config.SERVICENOW_PASSWORD!,
          }
        : { kind: 'basic', username: config.SERVICENOW_USERNAME!, password: config.SERVICENOW_PASSWORD! };
  return {
    kind: 'servicenow',
    instanceUrl: config.SERVICENOW_INSTANCE_URL!,
    auth,
    timeoutMs: config.SERVICENOW_TIMEOUT_MS,
  };
}
