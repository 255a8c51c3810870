import type pg from 'pg';
import type { Registry } from 'prom-client';
import type { RuntimeFeature } from '../feature.ts';
import { auditInterceptor } from './interceptor.ts';
import { registerAuditMetrics } from './metrics.ts';
import { createPool } from './pool.ts';
import { type AuditLogger, AuditTrail, type AuditTrailOptions, newChainId } from './trail.ts';

export interface AuditFeatureOptions extends Omit<AuditTrailOptions, 'pool'> {
  /** Server name written on every row. */
  server: string;
  /** PostgreSQL to write to; ignored when `pool` is given. */
  databaseUrl?: string;
  /** A pool to share (not closed by the feature). */
  pool?: pg.Pool;
  /** Registry for the audit metrics (queue depth, spool size...). */
  registry?: Registry;
  log?: AuditLogger;
}

export interface AuditFeature extends RuntimeFeature {
  /** For other features that audit their own steps (approvals). */
  trail: AuditTrail;
}

/**
 * The audit trail as a runtime feature. Opens the spool (and replays what an earlier run left in
 * it) before returning, so the first call is already audited.
 */
export async function createAuditFeature(options: AuditFeatureOptions): Promise<AuditFeature> {
  const ownsPool = options.pool === undefined;
  if (ownsPool && options.databaseUrl === undefined) {
    throw new Error('createAuditFeature needs databaseUrl or pool: set DATABASE_URL');
  }
  const pool = options.pool ?? createPool(options.databaseUrl!, { max: 2 });
  // Chains are named after their server: on a shared audit database a server's role may only write
  // chains that start with `<server>/` (migration 1764000000002).
  const trail = new AuditTrail({ chainId: `${options.server}/${newChainId()}`, ...options, pool });
  await trail.start();
  if (options.registry) registerAuditMetrics(options.registry, trail);
  return {
    name: 'audit',
    stage: 'audit',
    trail,
    interceptors: [auditInterceptor(trail, options.server)],
    async ready() {
      const s = trail.status();
      const outage = s.lastOutage === undefined ? '' : ` (${s.lastOutage})`;
      if (s.saturated)
        return {
          ok: false,
          detail: `audit: spool full and PostgreSQL unreachable${outage}, refusing calls`,
        };
      if (!s.databaseHealthy)
        return {
          ok: true,
          detail: `audit: PostgreSQL unreachable${outage}, spooling (${s.spoolBytes} bytes)`,
        };
      if (s.rowsQuarantined > 0)
        return {
          ok: true,
          detail: `audit: PostgreSQL refused ${s.rowsQuarantined} row(s) for their data (last ${s.lastRefusal}); marked substitutes stored, originals in ${s.quarantineFile}`,
        };
      return { ok: true };
    },
    async close() {
      await trail.close();
      if (ownsPool) await pool.end();
    },
  };
}
