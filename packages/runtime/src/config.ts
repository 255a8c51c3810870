import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpUrl, commaList as list, postgresUrl } from '@mcp-platform/server-kit';
import { z } from 'zod';
import { parseRoleScopes, type RoleScopeMap } from './auth/roles.ts';
import { parseServiceTokens, type ServiceTokenEntry } from './auth/service-tokens.ts';
import { ConfigError } from './errors.ts';
import { isLoopbackHost } from './net.ts';
import { parseRateLimitOverrides } from './rate-limit/limits.ts';

/** Asymmetric JWS algorithms the resource server may accept; `none` and HS* can never be configured. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
] as const;

// Descriptions go last: zod attaches them to the exact schema instance, and they name the expected form in errors.
/**
 * The environment every server shares. One line per variable, coerced and defaulted. Servers add
 * their own variables with `baseConfigSchema.extend({...})` and load both with `loadConfig`.
 * Cross-variable rules (AUTH_MODE=none only on loopback, derived defaults) live in `loadConfig`,
 * because zod cannot extend an object schema that carries refinements.
 */
export const baseConfigSchema = z.object({
  // Interface to bind; loopback by default so a development server is never exposed by accident.
  HOST: z.string().min(1).default('127.0.0.1').describe('an IP address or host name to bind, e.g. 0.0.0.0'),
  // TCP port to listen on (0 picks a free one).
  PORT: z.coerce.number().int().min(0).max(65535).default(3000).describe('a TCP port 0-65535'),
  // pino log level.
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info')
    .describe('one of fatal, error, warn, info, debug, trace, silent'),
  // Externally visible base URL (scheme://host[:port]); default http://HOST:PORT. The MCP resource URI is PUBLIC_URL/mcp.
  PUBLIC_URL: httpUrl().optional().describe('an absolute URL like https://crm-mcp.example.com'),
  // `oauth` (bearer tokens required) or `none` (no authentication; refused unless HOST is loopback).
  AUTH_MODE: z.enum(['oauth', 'none']).default('oauth').describe('oauth or none'),
  // Issuer of the access tokens (exact `iss` value); required when AUTH_MODE=oauth.
  OAUTH_ISSUER: z
    .url({ error: 'expected an absolute URL' })
    .optional()
    .describe('the authorization server issuer URL'),
  // JWKS location; default: discovered from the issuer's /.well-known/oauth-authorization-server or openid-configuration.
  OAUTH_JWKS_URL: httpUrl().optional().describe('an absolute URL of the issuer JWK Set'),
  // Expected `aud` of access tokens (RFC 8707 resource); default PUBLIC_URL/mcp.
  OAUTH_AUDIENCE: z.string().min(1).optional().describe('the resource URI tokens must be issued for'),
  // Accepted JWS algorithms (comma-separated, asymmetric only).
  OAUTH_ALGORITHMS: list()
    .pipe(z.array(z.enum(ASYMMETRIC_ALGORITHMS)).min(1))
    .default(['RS256', 'PS256', 'ES256'])
    .describe(`a comma-separated subset of ${ASYMMETRIC_ALGORITHMS.join(', ')}`),
  // Allowed clock difference when checking exp/nbf/iat, in seconds.
  OAUTH_CLOCK_SKEW_SECONDS: z.coerce.number().int().min(0).max(300).default(30).describe('seconds, 0-300'),
  // Minimum time between two JWKS downloads (an unknown `kid` refetches at most this often).
  OAUTH_JWKS_COOLDOWN_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(3_600_000)
    .default(30_000)
    .describe('milliseconds'),
  // How long a verified token is reused without re-checking its signature (never past its expiry; 0 = off).
  OAUTH_TOKEN_CACHE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(300_000)
    .default(60_000)
    .describe('milliseconds, 0-300000'),
  // Claim holding granted scopes (space-separated string or array), e.g. `scope` or `scp`.
  OAUTH_SCOPE_CLAIM: z.string().min(1).default('scope').describe('a claim name'),
  // Optional claim (dot path, e.g. `roles`, `groups`, `realm_access.roles`) whose values map to scopes.
  OAUTH_ROLE_CLAIM: z.string().min(1).optional().describe('a claim name or dot path'),
  // Role/group value to scopes: `value=scope scope;value2=scope` (split at the last `=`; `;` between entries).
  OAUTH_ROLE_SCOPES: z
    .string()
    .transform((value, ctx): RoleScopeMap => {
      try {
        return parseRoleScopes(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .optional()
    .describe('entries like `crm-admins=crm:read crm:write;crm-readers=crm:read`'),
  // Prefix of the default scopes `<prefix>:read` / `<prefix>:write`; default: the server name.
  OAUTH_SCOPE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'expected 1-64 letters, digits, `.`, `_` or `-`')
    .optional()
    .describe('a scope prefix like `crm`'),
  // Static service tokens for machine clients: `name:sha256hex:scope scope,...` (only hashes are stored).
  SERVICE_TOKENS: z
    .string()
    .transform((value, ctx): ServiceTokenEntry[] => {
      try {
        return parseServiceTokens(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .default([])
    .describe('entries like `reporting:<64 hex chars of sha256(token)>:crm:read`, comma-separated'),
  // Browser origins allowed to call /mcp (comma-separated; `loopback` allows localhost origins).
  ALLOWED_ORIGINS: list().default([]).describe('comma-separated origins like https://app.example.com'),
  // CORS for browser-based clients (off when empty): exact origins whose pages may call the MCP endpoints.
  CORS_ALLOWED_ORIGINS: list()
    .pipe(
      z.array(
        z
          .string()
          .regex(
            /^https?:\/\/[^/\s*]+$/,
            'each entry must be an exact origin like https://app.example.com (no path, no wildcard)',
          ),
      ),
    )
    .default([])
    .describe('comma-separated exact origins like https://inspector.example.com (never *)'),
  // Fastify trustProxy: `false`, `true`, a hop count, or comma-separated addresses/CIDRs of the proxies.
  TRUST_PROXY: z
    .string()
    .transform((value): boolean | number | string[] => {
      if (value === 'true') return true;
      if (value === 'false') return false;
      if (/^\d+$/.test(value)) return Number(value);
      return value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
    })
    .default(false)
    .describe('false, true, a hop count or comma-separated proxy addresses'),
  // PostgreSQL for the audit trail and approvals (postgres://user:pass@host:5432/db).
  DATABASE_URL: postgresUrl().optional().describe('postgres://user:password@host:5432/database'),
  // Redis shared by replicas for rate limits and legacy SSE sessions (redis://host:6379).
  REDIS_URL: z
    .url({ protocol: /^rediss?$/, error: 'expected redis://host:6379 or rediss://...' })
    .optional()
    .describe('redis://[:password@]host:6379[/db]'),
  // HMAC key (>= 32 bytes) protecting multi round-trip requestState; the same on every replica.
  REQUEST_STATE_SECRET: z
    .string()
    .refine((v) => Buffer.byteLength(v, 'utf8') >= 32, 'must be at least 32 bytes long')
    .optional()
    .describe('a random string of at least 32 bytes, e.g. `openssl rand -base64 48`'),
  // Write the audit trail to DATABASE_URL (with AUTH_MODE=oauth, turning it off must be explicit).
  AUDIT_ENABLED: z.stringbool().default(true).describe('true or false'),
  // Directory where audit rows are spooled while PostgreSQL is unreachable (a writable volume).
  AUDIT_SPOOL_DIR: z
    .string()
    .min(1)
    .default(join(tmpdir(), 'mcp-audit-spool'))
    .describe('a writable directory path'),
  // Cap of that spool in bytes; at the cap calls are refused (AUDIT_UNAVAILABLE) rather than rows dropped. Default: the audit trail's.
  AUDIT_SPOOL_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024 * 1024)
    .optional()
    .describe('bytes, at least 1048576'),
  // Refused calls (403, invalid arguments, rate-limited) per principal per minute stored row by row; past it they are answered RATE_LIMITED and counted in one summary row per principal and minute (0 = every refusal in full).
  AUDIT_REFUSALS_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(0)
    .max(100_000)
    .default(60)
    .describe('refusals per principal per minute, 0 to 100000'),
  // Shared audit database: write the audit trail here (as this server's own role) instead of DATABASE_URL.
  AUDIT_DATABASE_URL: postgresUrl()
    .optional()
    .describe('postgres://mcp_audit_crm:password@host:5432/mcp_audit'),
  // OTLP/HTTP traces endpoint of the OpenTelemetry collector; set = export spans (off when unset).
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl()
    .optional()
    .describe('an absolute URL like http://otel-collector:4318/v1/traces'),
  // Which traces to keep: the OpenTelemetry sampler names (parent-based honours the caller's sampled flag).
  OTEL_TRACES_SAMPLER: z
    .enum([
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ])
    .default('parentbased_always_on')
    .describe('always_on, always_off, traceidratio or parentbased_{always_on,always_off,traceidratio}'),
  // Share of traces kept by the *traceidratio samplers (0-1).
  OTEL_TRACES_SAMPLER_ARG: z.coerce.number().min(0).max(1).default(1).describe('a ratio 0-1, e.g. 0.1'),
  // `service.name` of the spans; default the server name.
  OTEL_SERVICE_NAME: z.string().min(1).max(128).optional().describe('a service name like mcp-crm'),
  // Default time limit of one tool call, in milliseconds (a tool's policy.timeoutMs overrides it).
  TOOL_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(100)
    .max(3_600_000)
    .default(60_000)
    .describe('milliseconds, 100-3600000'),
  // Longest time a client may take to send one request's headers and body, in milliseconds (slow-body
  // connections are cut; responses, SSE streams included, are not limited by it).
  HTTP_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(600_000)
    .default(30_000)
    .describe('milliseconds, 1000-600000'),
  // Longest time a client may take to send the request headers, in milliseconds.
  HTTP_HEADERS_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(120_000)
    .default(10_000)
    .describe('milliseconds, 1000-120000'),
  // How long the server keeps an idle kept-alive connection open, in milliseconds. Longer than the
  // idle timeout of a load balancer in front (AWS ALB and ingress-nginx keep 60 s), so the balancer,
  // not the server, closes an idle connection: a balancer that sends on a connection the server is
  // closing gets an error it does not retry for a POST.
  HTTP_IDLE_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(3_600_000)
    .default(72_000)
    .describe('milliseconds, 1000-3600000'),
  // The idle time the server advertises (`Keep-Alive: timeout=N`, whole seconds), in milliseconds.
  // Clients that honour it (fetch/undici, hence the MCP SDKs) drop an idle connection before then, so
  // a draining server can close connections that have been quiet longer without racing a client
  // that is about to send on one. At most HTTP_IDLE_TIMEOUT_MS.
  HTTP_KEEP_ALIVE_HINT_MS: z.coerce
    .number()
    .int()
    .min(1000)
    .max(600_000)
    .default(5_000)
    .describe('milliseconds, 1000-600000'),
  // How long in-flight calls may run after SIGTERM before they are aborted, in milliseconds.
  SHUTDOWN_GRACE_MS: z.coerce
    .number()
    .int()
    .min(0)
    .max(600_000)
    .default(20_000)
    .describe('milliseconds, 0-600000'),
  // Default calls per minute per principal and tool (0 = unlimited); a tool's policy.rateLimitPerMinute overrides it.
  RATE_LIMIT_PER_MINUTE: z.coerce
    .number()
    .int()
    .min(0)
    .max(1_000_000)
    .default(120)
    .describe('calls per minute, 0 = unlimited'),
  // Per-tool limits that win over the definitions: `tool=limit,tool2=limit` (0 = unlimited).
  RATE_LIMIT_OVERRIDES: z
    .string()
    .transform((value, ctx): ReadonlyMap<string, number> => {
      try {
        return parseRateLimitOverrides(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    })
    .default(new Map())
    .describe('entries like `create_task=10,search_accounts=600`'),
  // Serve Prometheus metrics at /metrics.
  METRICS_ENABLED: z.stringbool().default(true).describe('true or false'),
  // Approvals console sign-in: the OpenID provider (default OAUTH_ISSUER).
  CONSOLE_OIDC_ISSUER: httpUrl().optional().describe('an absolute URL of the OpenID provider issuer'),
  // The console's confidential client at that provider (redirect URI PUBLIC_URL/approvals/callback); unset = console off with AUTH_MODE=oauth.
  CONSOLE_OIDC_CLIENT_ID: z.string().min(1).optional().describe('a client id registered at the provider'),
  // That client's secret (from a Secret).
  CONSOLE_OIDC_CLIENT_SECRET: z.string().min(1).optional().describe('the client secret'),
  // Key of the console's sealed session cookies (>= 32 bytes, the same on every replica).
  CONSOLE_SESSION_SECRET: z
    .string()
    .refine((v) => Buffer.byteLength(v, 'utf8') >= 32, 'must be at least 32 bytes long')
    .optional()
    .describe('a random string of at least 32 bytes, e.g. `openssl rand -base64 48`'),
  // Webhooks told about every new `approver` request (comma-separated URLs).
  APPROVAL_WEBHOOK_URLS: list().default([]).describe('comma-separated https URLs'),
  // HMAC-SHA256 key signing those notifications (>= 32 bytes; required with APPROVAL_WEBHOOK_URLS).
  APPROVAL_WEBHOOK_SECRET: z
    .string()
    .refine((v) => Buffer.byteLength(v, 'utf8') >= 32, 'must be at least 32 bytes long')
    .optional()
    .describe('a random string of at least 32 bytes'),
  // Body format of the notifications: `json` (documented shape), `slack` or `teams` (incoming-webhook messages).
  APPROVAL_WEBHOOK_FORMAT: z
    .enum(['json', 'slack', 'teams'])
    .default('json')
    .describe('json, slack or teams'),
  // Cap on one tool result in bytes (its text or structured content, whichever is larger); larger
  // results are trimmed with a cursor or marker. Default 32768 (~8k tokens, under Claude Code's 10k warning).
  MAX_RESULT_BYTES: z.coerce
    .number()
    .int()
    .min(4096)
    .max(1_048_576)
    .default(32_768)
    .describe('bytes, 4096-1048576'),
});

export type BaseConfigInput = z.input<typeof baseConfigSchema>;
type ParsedBase = z.output<typeof baseConfigSchema>;

/** Base values `loadConfig` always resolves (derived defaults applied). */
export interface ResolvedBase {
  PUBLIC_URL: string;
  OAUTH_AUDIENCE: string;
  REQUEST_STATE_SECRET: string;
}

/** The loaded common configuration every runtime component reads. */
export type RuntimeConfig = Omit<ParsedBase, keyof ResolvedBase> & ResolvedBase;

function describeIssue(issue: z.core.$ZodIssue, input: Record<string, unknown>, schema: z.ZodType): string {
  const name = issue.path.map(String).join('.') || '(environment)';
  const key = String(issue.path[0] ?? '');
  const shape = (schema as unknown as { shape?: Record<string, z.ZodType> }).shape;
  const expected = shape?.[key]?.description;
  const missing = input[key] === undefined;
  const problem = missing ? 'is required but not set' : issue.message.replace(/^Invalid input: /, '');
  return `${name}: ${problem}${expected === undefined ? '' : ` (expected ${expected})`}`;
}

function hostForUrl(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Parses environment variables with any zod object schema; throws one `ConfigError` naming every bad
 * variable and its expected form (the schema field's description). Empty values count as unset
 * (Helm and Kubernetes often render unset variables as '').
 */
export function parseEnv<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const input: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value !== '') input[key] = value;
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => describeIssue(issue, input, schema)));
  }
  return parsed.data;
}

/**
 * Parses the environment with `schema` (the base schema or an extension of it) and applies the
 * cross-variable rules. Throws one `ConfigError` naming every bad variable and its expected form.
 */
export function loadConfig<S extends z.ZodType<ParsedBase>>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): Omit<z.output<S>, keyof ResolvedBase> & ResolvedBase {
  const config = parseEnv(schema, env) as ParsedBase & Record<string, unknown>;
  const problems: string[] = [];
  const loopback = isLoopbackHost(config.HOST);
  if (config.AUTH_MODE === 'none' && !loopback) {
    problems.push(
      `AUTH_MODE: none is only allowed when HOST is a loopback address (127.0.0.1, ::1 or localhost), but HOST=${config.HOST}; ` +
        'set AUTH_MODE=oauth with OAUTH_ISSUER, or bind HOST=127.0.0.1 for local development',
    );
  }
  if (config.AUTH_MODE === 'oauth' && !loopback && config.PUBLIC_URL === undefined) {
    problems.push(
      `PUBLIC_URL: is required when HOST=${config.HOST} is not a loopback address (expected the external URL clients use, ` +
        'e.g. https://crm-mcp.example.com; the OAuth audience and the resource metadata URL derive from it)',
    );
  }
  if (config.AUTH_MODE === 'oauth' && config.OAUTH_ISSUER === undefined) {
    problems.push(
      'OAUTH_ISSUER: is required when AUTH_MODE=oauth (expected the authorization server issuer URL, e.g. https://login.example.com/realms/main)',
    );
  }
  if (
    config.CONSOLE_OIDC_CLIENT_ID !== undefined &&
    (config.CONSOLE_OIDC_CLIENT_SECRET === undefined || config.CONSOLE_SESSION_SECRET === undefined)
  ) {
    problems.push(
      'CONSOLE_OIDC_CLIENT_SECRET and CONSOLE_SESSION_SECRET: are required with CONSOLE_OIDC_CLIENT_ID (the console client secret, and >= 32 random bytes for its session cookies)',
    );
  }
  if (config.APPROVAL_WEBHOOK_URLS.length > 0 && config.APPROVAL_WEBHOOK_SECRET === undefined) {
    problems.push(
      'APPROVAL_WEBHOOK_SECRET: is required with APPROVAL_WEBHOOK_URLS (>= 32 random bytes; receivers verify the signature with it)',
    );
  }
  if (config.OAUTH_ROLE_SCOPES !== undefined && config.OAUTH_ROLE_CLAIM === undefined) {
    problems.push(
      'OAUTH_ROLE_CLAIM: is required when OAUTH_ROLE_SCOPES is set (expected a claim name like `roles` or `groups`)',
    );
  }
  if (
    config.AUTH_MODE === 'oauth' &&
    config.AUDIT_ENABLED &&
    config.DATABASE_URL === undefined &&
    config.AUDIT_DATABASE_URL === undefined
  ) {
    problems.push(
      'DATABASE_URL: is required for the audit trail (expected postgres://user:password@host:5432/database); ' +
        'AUDIT_ENABLED=false runs without any record of who called what and is not for production',
    );
  }
  if (config.HTTP_KEEP_ALIVE_HINT_MS > config.HTTP_IDLE_TIMEOUT_MS) {
    problems.push(
      `HTTP_KEEP_ALIVE_HINT_MS: ${config.HTTP_KEEP_ALIVE_HINT_MS} is longer than HTTP_IDLE_TIMEOUT_MS=${config.HTTP_IDLE_TIMEOUT_MS}; ` +
        'the server must keep a connection at least as long as it tells clients it will (lower the hint or raise the idle timeout)',
    );
  }
  let secret = config.REQUEST_STATE_SECRET;
  if (secret === undefined) {
    if (config.AUTH_MODE === 'none' && loopback) {
      // Local development only: a per-process key is fine because nothing else has to verify it.
      secret = randomBytes(32).toString('base64url');
    } else {
      problems.push(
        'REQUEST_STATE_SECRET: is required (expected a random string of at least 32 bytes, the same on every replica, e.g. `openssl rand -base64 48`)',
      );
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const publicUrl = config.PUBLIC_URL ?? `http://${hostForUrl(config.HOST)}:${config.PORT}`;
  return {
    ...config,
    PUBLIC_URL: publicUrl,
    OAUTH_AUDIENCE: config.OAUTH_AUDIENCE ?? `${publicUrl}/mcp`,
    REQUEST_STATE_SECRET: secret as string,
  } as Omit<z.output<S>, keyof ResolvedBase> & ResolvedBase;
}
