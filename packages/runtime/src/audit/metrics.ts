import { Counter, Gauge, type Registry } from 'prom-client';
import type { RefusalBudget } from './refusal-budget.ts';
import type { AuditTrail } from './trail.ts';

/**
 * Audit metrics, read from the trail at scrape time: queue depth, spool size and capacity, whether
 * calls are being refused, and row totals by destination.
 */
export function registerAuditMetrics(registry: Registry, trail: AuditTrail, refusals?: RefusalBudget): void {
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge(
    'mcp_audit_queue_depth',
    'Audit rows waiting in memory to be written',
    () => trail.status().queueDepth,
  );
  gauge(
    'mcp_audit_spool_bytes',
    'Bytes in the local audit spool (rows waiting for PostgreSQL)',
    () => trail.status().spoolBytes,
  );
  gauge(
    'mcp_audit_spool_capacity_bytes',
    'Cap of the local audit spool (AUDIT_SPOOL_MAX_BYTES)',
    () => trail.status().spoolCapacityBytes,
  );
  gauge(
    'mcp_audit_saturated',
    '1 while the spool is full and PostgreSQL is down: calls are refused with AUDIT_UNAVAILABLE',
    () => (trail.status().saturated ? 1 : 0),
  );
  gauge('mcp_audit_database_up', '1 when the last audit write to PostgreSQL succeeded', () =>
    trail.status().databaseHealthy ? 1 : 0,
  );
  new Counter({
    name: 'mcp_audit_rows_total',
    help: 'Audit rows by where they went: database (directly), spool (PostgreSQL down), replayed (spool to database)',
    labelNames: ['destination'],
    registers: [registry],
    collect() {
      const s = trail.status();
      this.reset();
      this.inc({ destination: 'database' }, s.rowsWritten - s.rowsReplayed);
      this.inc({ destination: 'spool' }, s.rowsSpooled);
      this.inc({ destination: 'replayed' }, s.rowsReplayed);
    },
  });
  if (refusals) {
    new Counter({
      name: 'mcp_audit_refusals_folded_total',
      help: 'Refused calls past their principal’s AUDIT_REFUSALS_PER_MINUTE, answered RATE_LIMITED and counted in a refusals.summary row',
      registers: [registry],
      collect() {
        this.reset();
        this.inc(refusals.foldedTotal);
      },
    });
  }
  new Counter({
    name: 'mcp_audit_write_failures_total',
    help: 'Failed audit writes to PostgreSQL',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(trail.status().writeFailures);
    },
  });
  new Counter({
    name: 'mcp_audit_rows_quarantined_total',
    help: 'Audit rows PostgreSQL refused for their data: a marked substitute was stored, the original kept in the quarantine file',
    registers: [registry],
    collect() {
      this.reset();
      this.inc(trail.status().rowsQuarantined);
    },
  });
}
