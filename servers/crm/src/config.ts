import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseConfigSchema, ConfigError } from '@mcp-platform/runtime';
import { directoryPath, httpUrl, port, sandboxAnchorDate, sandboxSeed } from '@mcp-platform/server-kit';
import { z } from 'zod';
import type { SalesforceAuth } from './backends/salesforce-auth.ts';

const httpsUrl = () => httpUrl('an absolute URL like https://example.my.salesforce.com');

/**
 * The CRM server's configuration: the runtime's common variables plus its own, one line each.
 * With no Salesforce credentials it serves the sandbox org (embedded PostgreSQL without DATABASE_URL).
 */
export const crmConfigSchema = baseConfigSchema.extend({
  // TCP port (the CRM server's conventional port is 3001).
  PORT: port(3001),
  // Audit spool directory; per server by default so servers started side by side (`pnpm start`) never share one.
  AUDIT_SPOOL_DIR: directoryPath(join(tmpdir(), 'mcp-audit-spool', 'crm')),
  // Which backend: `salesforce`, `sandbox` (demo org in PostgreSQL), or `auto` (Salesforce when SALESFORCE_CLIENT_ID is set).
  CRM_BACKEND: z
    .enum(['auto', 'salesforce', 'sandbox'])
    .default('auto')
    .describe('auto, salesforce or sandbox'),
  // Token endpoint host: your My Domain URL (client credentials needs it), or https://login.salesforce.com / https://test.salesforce.com.
  SALESFORCE_LOGIN_URL: httpsUrl()
    .default('https://login.salesforce.com')
    .describe('https://<domain>.my.salesforce.com'),
  // OAuth 2.0 flow: `client_credentials` or `jwt_bearer` (default: jwt_bearer when SALESFORCE_PRIVATE_KEY_FILE is set).
  SALESFORCE_AUTH_FLOW: z
    .enum(['client_credentials', 'jwt_bearer'])
    .optional()
    .describe('client_credentials or jwt_bearer'),
  // Consumer key of the connected app.
  SALESFORCE_CLIENT_ID: z.string().min(1).optional().describe('the connected app consumer key'),
  // Consumer secret of the connected app (client credentials flow); mount it from a secret.
  SALESFORCE_CLIENT_SECRET: z.string().min(1).optional().describe('the connected app consumer secret'),
  // Integration user's username (JWT bearer flow `sub`).
  SALESFORCE_USERNAME: z
    .string()
    .min(1)
    .optional()
    .describe('the integration user, e.g. mcp-crm@example.com'),
  // Path to the PEM private key of the connected app's certificate (JWT bearer flow), e.g. a mounted secret file.
  SALESFORCE_PRIVATE_KEY_FILE: z
    .string()
    .min(1)
    .optional()
    .describe('a file path like /var/run/secrets/salesforce/key.pem'),
  // JWT `aud`: https://login.salesforce.com (production) or https://test.salesforce.com (sandboxes); default SALESFORCE_LOGIN_URL.
  SALESFORCE_JWT_AUDIENCE: httpsUrl()
    .optional()
    .describe('https://login.salesforce.com or https://test.salesforce.com'),
  // Pinned REST API version (never jsforce's old default).
  SALESFORCE_API_VERSION: z
    .string()
    .regex(/^\d{2,3}\.0$/, 'expected a version like 62.0')
    .default('62.0')
    .describe('a version like 62.0'),
  // Embedded PostgreSQL (PGlite) data directory for the sandbox when DATABASE_URL is unset; use /tmp/... in containers.
  SANDBOX_DATA_DIR: directoryPath('.data/crm'),
  // Date the demo data is generated around (YYYY-MM-DD; default: today, fixed at first seeding).
  SANDBOX_ANCHOR_DATE: sandboxAnchorDate(),
  // Seed of the demo data generator (same seed and anchor date, same data).
  SANDBOX_SEED: sandboxSeed(),
});

export type CrmConfig = z.output<typeof crmConfigSchema>;

export type BackendChoice =
  | { kind: 'sandbox' }
  | { kind: 'salesforce'; auth: SalesforceAuth; apiVersion: string };

/** Decides the backend from the loaded config; names every missing variable at once. */
export function chooseBackend(
  config: CrmConfig,
  readKey: (path: string) => string = (p) => readFileSync(p, 'utf8'),
): BackendChoice {
  const wantSalesforce =
    config.CRM_BACKEND === 'salesforce' ||
    (config.CRM_BACKEND === 'auto' && config.SALESFORCE_CLIENT_ID !== undefined);
  if (!wantSalesforce) return { kind: 'sandbox' };
  const flow =
    config.SALESFORCE_AUTH_FLOW ?? (config.SALESFORCE_PRIVATE_KEY_FILE ? 'jwt_bearer' : 'client_credentials');
  const problems: string[] = [];
  if (!config.SALESFORCE_CLIENT_ID)
    problems.push('SALESFORCE_CLIENT_ID: is required for the Salesforce backend');
  if (flow === 'client_credentials' && !config.SALESFORCE_CLIENT_SECRET) {
    problems.push('SALESFORCE_CLIENT_SECRET: is required for the client_credentials flow');
  }
  if (flow === 'jwt_bearer') {
    if (!config.SALESFORCE_USERNAME)
      problems.push('SALESFORCE_USERNAME: is required for the jwt_bearer flow');
    if (!config.SALESFORCE_PRIVATE_KEY_FILE)
      problems.push('SALESFORCE_PRIVATE_KEY_FILE: is required for the jwt_bearer flow');
  }
  let privateKey = '';
  if (flow === 'jwt_bearer' && config.SALESFORCE_PRIVATE_KEY_FILE) {
    try {
      privateKey = readKey(config.SALESFORCE_PRIVATE_KEY_FILE);
      if (!privateKey.includes('PRIVATE KEY')) {
        problems.push(
          `SALESFORCE_PRIVATE_KEY_FILE: ${config.SALESFORCE_PRIVATE_KEY_FILE} is not a PEM private key`,
        );
      }
    } catch (error) {
      problems.push(
        `SALESFORCE_PRIVATE_KEY_FILE: cannot read ${config.SALESFORCE_PRIVATE_KEY_FILE} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const auth: SalesforceAuth =
    flow === 'client_credentials'
      ? {
          flow,
          loginUrl: config.SALESFORCE_LOGIN_URL,
          clientId: config.SALESFORCE_CLIENT_ID!,
          clientSecret: config.SALESFORCE_CLIENT_SECRET!,
        }
      : {
          flow,
          loginUrl: config.SALESFORCE_LOGIN_URL,
          clientId: config.SALESFORCE_CLIENT_ID!,
          username: config.SALESFORCE_USERNAME!,
          privateKey,
          audience: config.SALESFORCE_JWT_AUDIENCE ?? config.SALESFORCE_LOGIN_URL,
        };
  return { kind: 'salesforce', auth, apiVersion: config.SALESFORCE_API_VERSION };
}
