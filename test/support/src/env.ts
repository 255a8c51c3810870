import { appendFileSync } from 'node:fs';
import { describe } from 'vitest';

const announced = new Set<string>();

/**
 * Prints ONE loud stderr line saying what was skipped and how to run it (once per suite and reason).
 * With MCP_SKIP_LOG set (`.ci/run` sets it), the skip is also appended there as a JSON line, so CI can
 * name the reason next to a suite that is skipped without being on `.ci/allowed-skips.json`.
 */
export function loudSkip(suite: string, reason: string): void {
  const line = `SKIPPED ${suite}: ${reason}`;
  if (announced.has(line)) return;
  announced.add(line);
  process.stderr.write(`${line}\n`);
  const log = process.env.MCP_SKIP_LOG;
  if (log) appendFileSync(log, `${JSON.stringify({ suite, reason })}\n`);
}

/**
 * `describe` that runs unless `skipReason` says what is missing (a tool, a service, a variable); then
 * the suite is reported as skipped (its tests are still listed) and one loud line says why. The way
 * for a conditional suite to join: compute the reason once at the top of the file, e.g.
 * `describeOrSkip('cluster install', findTool('KUBECTL', 'kubectl') ? undefined : 'kubectl not found: run
 * scripts/setup-toolchain.sh kube', () => { ... })`. In CI such a skip fails the run unless the suite
 * is on `.ci/allowed-skips.json`.
 */
export function describeOrSkip(suite: string, skipReason: string | undefined, body: () => void): void {
  if (skipReason !== undefined) loudSkip(suite, skipReason);
  describe.skipIf(skipReason !== undefined)(suite, body);
}

/**
 * The value of an environment variable a suite needs, or `undefined` after one loud skip line.
 * `what` says what the variable must point at, e.g. `PostgreSQL 15+`.
 */
export function requireEnv(name: string, suite: string, what?: string): string | undefined {
  const value = process.env[name];
  if (value !== undefined && value !== '') return value;
  loudSkip(suite, `set ${name}${what === undefined ? '' : ` (${what})`} to run it`);
  return undefined;
}

/**
 * `describe` that runs only when `name` is set in the environment; otherwise the suite is reported as
 * skipped and one loud line goes to stderr. The body receives the variable's value.
 */
export function describeWithEnv(
  envName: string,
  what: string,
  suite: string,
  body: (value: string) => void,
): void {
  const value = requireEnv(envName, suite, what);
  describe.skipIf(value === undefined)(suite, () => body(value ?? ''));
}

/** `describe` over the real PostgreSQL at `DATABASE_URL`; skipped loudly without it. */
export function describeWithPostgres(suite: string, body: (databaseUrl: string) => void): void {
  describeWithEnv('DATABASE_URL', 'PostgreSQL 15+', suite, body);
}

/** `describe` over the real Redis at `REDIS_URL`; skipped loudly without it. */
export function describeWithRedis(suite: string, body: (redisUrl: string) => void): void {
  describeWithEnv('REDIS_URL', 'Redis 7+', suite, body);
}
