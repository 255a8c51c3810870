import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseConfigSchema, ConfigError } from '@mcp-platform/runtime';
import { directoryPath, port, sandboxAnchorDate, sandboxSeed } from '@mcp-platform/server-kit';
import { z } from 'zod';
import { CURRENCY_CODE, type Money } from './money.ts';
import { DEFAULT_PAYMENT_TERMS, parsePaymentTerms, type TermsMap } from './payment-terms.ts';

/**
 * The finance server's configuration: the runtime's common variables plus its own, one line each.
 * With no SAP system configured it serves the sandbox S/4HANA (embedded PostgreSQL without DATABASE_URL).
 */
export const financeConfigSchema = baseConfigSchema.extend({
  // TCP port (the finance server's conventional port is 3003).
  PORT: port(3003),
  // Audit spool directory; per server by default so servers started side by side never share one.
  AUDIT_SPOOL_DIR: directoryPath(join(tmpdir(), 'mcp-audit-spool', 'finance')),
  // Which backend: `sap` (S/4HANA OData), `sandbox` (demo data in PostgreSQL), or `auto` (SAP when SAP_BASE_URL is set).
  FINANCE_BACKEND: z.enum(['auto', 'sap', 'sandbox']).default('auto').describe('auto, sap or sandbox'),
  // S/4HANA host serving /sap/opu/odata/sap/... (the communication arrangement's URL), e.g. https://my123456-api.s4hana.cloud.sap.
  SAP_BASE_URL: z
    .url({ protocol: /^https?$/, error: 'expected an absolute URL like https://s4.example.com' })
    .transform((v) => v.replace(/\/+$/, ''))
    .optional()
    .describe('https://s4.example.com'),
  // SAP client (mandant) for on-premise systems, sent as `sap-client`; leave unset for S/4HANA Cloud.
  SAP_CLIENT: z
    .string()
    .regex(/^\d{3}$/, 'expected 3 digits like 100')
    .optional()
    .describe('3 digits, e.g. 100'),
  // `basic` (communication user) or `oauth` (OAuth 2.0 client credentials); default: oauth when SAP_OAUTH_CLIENT_ID is set.
  SAP_AUTH: z.enum(['basic', 'oauth']).optional().describe('basic or oauth'),
  // Communication user (basic auth).
  SAP_USERNAME: z.string().min(1).optional().describe('the communication user'),
  // Its password; mount it from a secret.
  SAP_PASSWORD: z.string().min(1).optional().describe('the communication user password'),
  // OAuth 2.0 token endpoint (client credentials).
  SAP_OAUTH_TOKEN_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .describe('https://<tenant>/sap/bc/sec/oauth2/token'),
  // OAuth client id and secret of the communication system.
  SAP_OAUTH_CLIENT_ID: z.string().min(1).optional().describe('the OAuth client id'),
  SAP_OAUTH_CLIENT_SECRET: z.string().min(1).optional().describe('the OAuth client secret'),
  // Optional OAuth scope to request.
  SAP_OAUTH_SCOPE: z.string().min(1).optional().describe('space-separated scopes'),
  // Per-request timeout to SAP in milliseconds.
  SAP_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(120_000)
    .default(20_000)
    .describe('milliseconds, 1000-120000'),
  // Payment terms keys → days, merged over the defaults: `KEY=net[,days@percent...];...` (no released API reads them).
  FINANCE_PAYMENT_TERMS: z
    .string()
    .default('')
    .transform((value, ctx): TermsMap => {
      try {
        return new Map([...parsePaymentTerms(DEFAULT_PAYMENT_TERMS), ...parsePaymentTerms(value)]);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .describe('entries like NT30=30;ZB01=45,14@3,30@2'),
  // Most records one aggregation (spend ranking, invoice summary) reads from SAP; results say when it is hit.
  FINANCE_AGGREGATION_LIMIT: z.coerce
    .number()
    .int()
    .min(100)
    .max(200_000)
    .default(20_000)
    .describe('100-200000'),
  // Requisitions above this total need a second procurement manager: `<amount> <currency>`, or `none`.
  FINANCE_SECOND_APPROVAL_ABOVE: z
    .string()
    .default('25000 EUR')
    .transform((value, ctx): Money | undefined => {
      if (value.trim().toLowerCase() === 'none') return undefined;
      const m = /^(\d{1,15}(?:\.\d{1,2})?) ([A-Z]{3})$/.exec(value.trim());
      if (!m || !CURRENCY_CODE.test(m[2]!)) {
        ctx.addIssue({ code: 'custom', message: 'expected `<amount> <currency>` like 25000 EUR, or none' });
        return z.NEVER;
      }
      return { amount: m[1]!, currency: m[2]! };
    })
    .describe('an amount and currency like 25000 EUR, or none'),
  // Embedded PostgreSQL (PGlite) data directory for the sandbox when DATABASE_URL is unset; use /tmp/... in containers.
  FINANCE_DATA_DIR: directoryPath('.data/finance'),
  // Date the demo data is generated around (YYYY-MM-DD; default: today, fixed at first seeding).
  SANDBOX_ANCHOR_DATE: sandboxAnchorDate(),
  // Seed of the demo data generator (same seed and anchor date, same data).
  SANDBOX_SEED: sandboxSeed(),
});

export type FinanceConfig = z.output<typeof financeConfigSchema>;

export type SapAuth =
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'oauth'; tokenUrl: string; clientId: string; clientSecret: string; scope?: string | undefined };

export type BackendChoice =
  | { kind: 'sandbox' }
  | { kind: 'sap'; baseUrl: string; client: string | undefined; auth: SapAuth; timeoutMs: number };

/** Decides the backend from the loaded config; names every missing variable at once. */
export function chooseBackend(config: FinanceConfig): BackendChoice {
  const wantSap =
    config.FINANCE_BACKEND === 'sap' ||
    (config.FINANCE_BACKEND === 'auto' && config.SAP_BASE_URL !== undefined);
  if (!wantSap) return { kind: 'sandbox' };
  const flow = config.SAP_AUTH ?? (config.SAP_OAUTH_CLIENT_ID ? 'oauth' : 'basic');
  const problems: string[] = [];
  if (!config.SAP_BASE_URL) problems.push('SAP_BASE_URL: is required for the SAP backend');
  if (flow === 'basic') {
    if (!config.SAP_USERNAME)
      problems.push('SAP_USERNAME: is required for basic auth (the communication user)');
    if (!config.SAP_PASSWORD) problems.push('SAP_PASSWORD: is required for basic auth');
  } else {
    if (!config.SAP_OAUTH_TOKEN_URL)
      problems.push('SAP_OAUTH_TOKEN_URL: is required for OAuth client credentials');
    if (!config.SAP_OAUTH_CLIENT_ID)
      problems.push('SAP_OAUTH_CLIENT_ID: is required for OAuth client credentials');
    if (!config.SAP_OAUTH_CLIENT_SECRET)
      problems.push('SAP_OAUTH_CLIENT_SECRET: is required for OAuth client credentials');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const auth: SapAuth =
    flow === 'basic'
      ? { kind: 'basic', username: config.SAP_USERNAME!, password: config.SAP_PASSWORD! }
      : {
          kind: 'oauth',
          tokenUrl: config.SAP_OAUTH_TOKEN_URL!,
          clientId: config.SAP_OAUTH_CLIENT_ID!,
          clientSecret: config.SAP_OAUTH_CLIENT_SECRET!,
          scope: config.SAP_OAUTH_SCOPE,
        };
  return {
    kind: 'sap',
    baseUrl: config.SAP_BASE_URL!,
    client: config.SAP_CLIENT,
    auth,
    timeoutMs: config.SAP_TIMEOUT_MS,
  };
}
