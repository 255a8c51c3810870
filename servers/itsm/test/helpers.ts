import { createTestDatabase, type TestDatabase } from '@mcp-platform/test-support';
import type { FastifyBaseLogger } from 'fastify';
import pino from 'pino';

/** The fixed date the test data is generated around (the seed is deterministic given it). */
export const ANCHOR = '2026-11-23';
export const SEED = 20_261;
/** "Now" in the planted on-call story: 09:00 UTC on the anchor date. */
export const NOW = new Date(`${ANCHOR}T09:00:00Z`);
/** The alert the on-call story starts from. */
export const ALERT =
  'FIRING: payment-service-p99-latency-high — p99 latency 1450 ms above 800 ms for 10 minutes (env production, team Payments)';

export const silentLog = pino({ level: 'silent' }) as unknown as FastifyBaseLogger;

/** A database of its own on the PostgreSQL at `adminUrl`, so suites never see each other's rows. */
export function freshDatabase(adminUrl: string, label: string): Promise<TestDatabase> {
  return createTestDatabase(adminUrl, `itsm_${label}`);
}
