import { appendFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { pgSafeJson } from './bounded-json.ts';
import { sha256Hex } from './canonical-json.ts';
import type { AuditRecord } from './record.ts';

export const QUARANTINE_FILE = 'audit-quarantine.jsonl';

/** SQLSTATE classes that mean "this row's data", not "the database": retrying the same row fails the same way. */
const DATA_ERROR_CLASSES = new Set([
  '22', // data exception (invalid text representation, untranslatable character, out of range...)
  '23', // integrity constraint violation (check, not-null, unique)
  '54', // program limit exceeded (nesting too deep, value too large)
]);

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/**
 * Whether PostgreSQL refused the data (the database answered and is fine) rather than being
 * unreachable, overloaded or misconfigured: only such errors are blamed on a row.
 */
export function isDataError(error: unknown): boolean {
  const state = sqlState(error);
  return state !== undefined && DATA_ERROR_CLASSES.has(state.slice(0, 2));
}

/** Why PostgreSQL refused a row, short enough for a column and free of the row's content. */
export function refusalReason(error: unknown): { sqlstate: string; message: string } {
  const message = error instanceof Error ? error.message : String(error);
  return {
    sqlstate: sqlState(error) ?? 'unknown',
    message: message.replace(/[^\x20-\x7e]/g, '?').slice(0, 200),
  };
}

/** ASCII-only, short text: what a quarantine substitute keeps of a free-text column. */
function plain(value: string | null, max = 256): string | null {
  return value === null ? null : value.replace(/[^\x20-\x7e]/g, '?').slice(0, max);
}

/**
 * The row stored in place of one PostgreSQL refused: same id, event, principal and outcome (so the
 * chain has no gap and queries still find it), every free-text column reduced to plain ASCII, and
 * arguments/detail replaced by a marker naming the refusal and the digest of the original, whose
 * full copy is in the quarantine file.
 */
export function quarantineSubstitute(record: AuditRecord, error: unknown): AuditRecord {
  const reason = refusalReason(error);
  const original = sha256Hex(JSON.stringify(pgSafeJson(record)));
  return {
    ...record,
    server: plain(record.server) as string,
    name: plain(record.name) as string,
    subject: plain(record.subject) as string,
    principalKind: plain(record.principalKind) as string,
    clientId: plain(record.clientId),
    clientName: plain(record.clientName),
    clientVersion: plain(record.clientVersion),
    protocolEra: plain(record.protocolEra),
    protocolVersion: plain(record.protocolVersion),
    correlationId: plain(record.correlationId),
    traceId: plain(record.traceId),
    errorCode: plain(record.errorCode),
    touched: record.touched.map((t) => plain(t) as string),
    arguments: { $audit: 'quarantined', sha256: original, file: QUARANTINE_FILE, ...reason },
    detail: { quarantined: { sha256: original, ...reason } },
  };
}

/** The local, append-only file of rows PostgreSQL refused, each with the reason (forensics). */
export class Quarantine {
  readonly path: string;
  private readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
    this.path = join(dir, QUARANTINE_FILE);
  }

  async add(record: AuditRecord, error: unknown): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const line = JSON.stringify({
      quarantinedAt: new Date().toISOString(),
      ...refusalReason(error),
      record: pgSafeJson(record),
    });
    await appendFile(this.path, `${line}\n`, { mode: 0o600 });
  }
}
