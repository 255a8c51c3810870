import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyBaseLogger } from 'fastify';
import type pg from 'pg';
import { within } from '../time-box.ts';
import { jsonSafe, sha256Hex } from './canonical-json.ts';
import type { ChainHead } from './chain.ts';
import { auditUnavailable } from './errors.ts';
import { appendRecords } from './pg-store.ts';
import { isDataError, Quarantine, quarantineSubstitute, refusalReason } from './quarantine.ts';
import { type AuditRecord, makeRecord } from './record.ts';
import { Spool } from './spool.ts';

export type AuditLogger = Pick<FastifyBaseLogger, 'debug' | 'info' | 'warn' | 'error'>;

export interface AuditTrailOptions {
  pool: pg.Pool;
  /** Local directory for the spool file (one writer process per directory). */
  spoolDir: string;
  /** Spool cap in bytes; at the cap, new calls are refused (AUDIT_UNAVAILABLE) rather than rows dropped. */
  spoolMaxBytes?: number;
  /** Flush the queue at least this often. */
  flushIntervalMs?: number;
  /** ...or as soon as this many rows are queued; also the largest batch per INSERT. */
  batchRows?: number;
  /** Longest a write tool waits for its intent row before the call fails closed. */
  intentTimeoutMs?: number;
  /** Back-off between attempts while PostgreSQL is down. */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** At shutdown, how long the last write to PostgreSQL may take before the queue goes to the spool. */
  closeTimeoutMs?: number;
  /** Chain identity; default: one new chain per process (`<host>/<pid>/<random>`). */
  chainId?: string;
  log?: AuditLogger;
}

export interface AuditStatus {
  /** Whether the last attempt to write to PostgreSQL succeeded. */
  databaseHealthy: boolean;
  queueDepth: number;
  spoolBytes: number;
  spoolCapacityBytes: number;
  /** The spool is at its cap and PostgreSQL is down: calls are refused until it recovers. */
  saturated: boolean;
  rowsWritten: number;
  rowsSpooled: number;
  /** Refused writes whose row found no room (spool full even for refusals): counted, not stored. */
  refusalsNotRecorded: number;
  rowsReplayed: number;
  writeFailures: number;
  corruptSpoolLines: number;
  /** Rows PostgreSQL refused for their data: a marked substitute was stored, the original quarantined. */
  rowsQuarantined: number;
  /** Rows whose substitute was refused too (only in the quarantine file). */
  rowsUnstorable: number;
  /** Why the last write failed while the database is down (connection error, timeout...). */
  lastOutage: string | undefined;
  /** The last refusal that quarantined a row (`SQLSTATE: message`). */
  lastRefusal: string | undefined;
  /** Where quarantined rows are kept. */
  quarantineFile: string;
}

interface Queued {
  record: AuditRecord;
  /** The call's result; size and digest are computed at flush time, off the request path. */
  result?: unknown;
  /** Spool bytes reserved for this row when its call was admitted (released once it is stored). */
  reserved: number;
  /** Told once the row is durable (PostgreSQL or the fsync'd spool), or that it could not be made so. */
  settle?: (durable: boolean) => void;
}

/** Share of the spool kept for the rows of refused writes once calls are no longer admitted. */
const REFUSAL_HEADROOM = 0.05;

const SILENT: AuditLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function finalize(item: Queued): AuditRecord {
  if (item.result === undefined) return item.record;
  let text: string;
  try {
    text = JSON.stringify(item.result) ?? 'null';
  } catch {
    return item.record;
  }
  const bytes = Buffer.byteLength(text, 'utf8');
  return { ...item.record, resultBytes: bytes, resultSha256: sha256Hex(text) };
}

export function newChainId(): string {
  return `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
}

/**
 * The audit writer of one process: an in-memory queue flushed to PostgreSQL in batches (one
 * transaction per batch, on this process's own hash chain), a fsync'd local spool while PostgreSQL
 * is down, replayed in order once it is back, and a synchronous path for write intents.
 * All database and spool work runs one step at a time, so the chain head is never raced.
 */
export class AuditTrail {
  readonly chainId: string;
  private readonly pool: pg.Pool;
  private readonly spool: Spool;
  private readonly log: AuditLogger;
  private readonly flushIntervalMs: number;
  private readonly batchRows: number;
  private readonly intentTimeoutMs: number;
  private readonly retryMinMs: number;
  private readonly retryMaxMs: number;
  private readonly closeTimeoutMs: number;
  private queue: Queued[] = [];
  /** Spool bytes promised to admitted calls whose rows are not stored yet. */
  private reservedBytes = 0;
  private head: ChainHead | undefined;
  private healthy = true;
  private backoffMs = 0;
  private retryAt = 0;
  private saturated = false;
  private lock: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private flushScheduled = false;
  private started = false;
  private closed = false;
  private counters = {
    rowsWritten: 0,
    rowsSpooled: 0,
    rowsReplayed: 0,
    writeFailures: 0,
    refusalsNotRecorded: 0,
    rowsQuarantined: 0,
    rowsUnstorable: 0,
  };
  private readonly quarantine: Quarantine;
  private lastOutage: string | undefined;
  private lastRefusal: string | undefined;

  constructor(options: AuditTrailOptions) {
    this.pool = options.pool;
    this.spool = new Spool(options.spoolDir, options.spoolMaxBytes ?? 256 * 1024 * 1024);
    this.quarantine = new Quarantine(options.spoolDir);
    this.log = options.log ?? SILENT;
    this.flushIntervalMs = options.flushIntervalMs ?? 200;
    this.batchRows = options.batchRows ?? 500;
    this.intentTimeoutMs = options.intentTimeoutMs ?? 5_000;
    this.retryMinMs = options.retryMinMs ?? 250;
    this.retryMaxMs = options.retryMaxMs ?? 5_000;
    this.closeTimeoutMs = options.closeTimeoutMs ?? 500;
    this.chainId = options.chainId ?? newChainId();
  }

  /** Opens the spool (replaying what a previous run left there) and starts the flush timer. */
  async start(): Promise<void> {
    if (this.started) return;
    const { repairedBytes } = await this.spool.open();
    if (repairedBytes > 0) {
      this.log.warn(
        { repairedBytes, spool: this.spool.path },
        'audit spool ended with a torn line (crash while writing); cut it',
      );
    }
    if (this.spool.hasPending) {
      this.log.info(
        { spoolBytes: this.spool.bytes },
        'audit spool holds rows from an earlier run; replaying them',
      );
    }
    this.started = true;
    this.timer = setInterval(() => {
      if (this.queue.length > 0 || this.spool.hasPending) void this.flush();
    }, this.flushIntervalMs);
    this.timer.unref();
  }

  /**
   * Admission: reserves room in the spool for the row of a call about to run, so that whatever
   * happens to PostgreSQL meanwhile, its row fits in the spool. Returns the reservation, or
   * undefined when there is no room: the call must then be refused (never answered unrecorded).
   */
  reserve(bytes: number, purpose: 'call' | 'refusal' = 'call'): number | undefined {
    if (this.closed) return undefined;
    // Calls stop being admitted short of the cap: the rest is kept for the rows of refused writes.
    const limit =
      purpose === 'call'
        ? Math.floor(this.spool.capacityBytes * (1 - REFUSAL_HEADROOM))
        : this.spool.capacityBytes;
    if (this.spool.bytes + this.reservedBytes + bytes > limit) {
      if (purpose === 'refusal') this.counters.refusalsNotRecorded += 1;
      else if (!this.healthy) this.saturated = true;
      return undefined;
    }
    this.reservedBytes += bytes;
    return bytes;
  }

  /** Gives back a reservation whose row will not be written (a refusal folded into a summary). */
  release(reserved: number): void {
    this.reservedBytes = Math.max(0, this.reservedBytes - reserved);
  }

  /** Whether PostgreSQL failed its last write: rows must then be durable before the call is answered. */
  get databaseDown(): boolean {
    return !this.healthy;
  }

  /**
   * Queues a row and resolves once it is durable: stored in PostgreSQL or appended to the fsync'd
   * spool (false if neither was possible). Used while PostgreSQL is down, so a call is answered only
   * after its row would survive a crash; concurrent calls share one flush and one fsync.
   */
  recordDurably(record: AuditRecord, result: unknown, reserved: number): Promise<boolean> {
    if (this.closed) {
      this.record(record, result, reserved);
      return Promise.resolve(false);
    }
    return new Promise<boolean>((resolve) => {
      this.push({
        record: makeRecord(record),
        ...(result === undefined ? {} : { result }),
        reserved,
        settle: resolve,
      });
      // The flush this starts handles the row; if it ends without settling it (an I/O error), the
      // caller is told the row is not durable rather than left waiting.
      this.flush().then(
        () => resolve(false),
        () => resolve(false),
      );
    });
  }

  /** Queues a row; it is written within `flushIntervalMs` (or spooled if PostgreSQL is down). */
  record(record: AuditRecord, result?: unknown, reserved = 0): void {
    if (this.closed) {
      // Only a call that outlived the shutdown grace period gets here; say so rather than drop it silently.
      this.log.error(
        { event: record.event, name: record.name, id: record.id },
        'audit row after the trail closed was not stored',
      );
      return;
    }
    const sealed = makeRecord(record);
    this.push(result === undefined ? { record: sealed, reserved } : { record: sealed, result, reserved });
  }

  private push(item: Queued): void {
    this.queue.push(item);
    if (this.queue.length >= this.batchRows && !this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(() => {
        this.flushScheduled = false;
        void this.flush();
      });
    }
  }

  /**
   * Stores a row in PostgreSQL before returning (write intents). Throws the retryable
   * `AUDIT_UNAVAILABLE` tool error when it cannot: the caller must not go ahead.
   */
  async recordNow(record: AuditRecord): Promise<void> {
    if (this.closed) throw auditUnavailable('the server is shutting down');
    if (!this.databaseUsable()) throw auditUnavailable('the audit database is unreachable');
    let abandoned = false;
    const attempt = this.exclusive(async () => {
      if (abandoned) throw new Error('abandoned');
      await this.write([makeRecord(record)], false);
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`no answer within ${this.intentTimeoutMs} ms`)),
        this.intentTimeoutMs,
      );
    });
    try {
      await Promise.race([attempt, timeout]);
    } catch (error) {
      abandoned = true;
      attempt.catch(() => {});
      this.log.error(
        { err: error, chainId: this.chainId },
        'audit intent could not be stored; refusing the write',
      );
      throw auditUnavailable('the audit database did not accept the record');
    } finally {
      clearTimeout(timer);
    }
  }

  /** Writes everything queued (and replays the spool) now. */
  flush(): Promise<void> {
    return this.exclusive(() => this.drain());
  }

  /** Whether new calls may run: false only when the spool is full and PostgreSQL is down. */
  accepting(): boolean {
    return !this.saturated && !this.closed;
  }

  status(): AuditStatus {
    return {
      databaseHealthy: this.healthy,
      queueDepth: this.queue.length,
      spoolBytes: this.spool.bytes,
      spoolCapacityBytes: this.spool.capacityBytes,
      saturated: this.saturated,
      ...this.counters,
      corruptSpoolLines: this.spool.corruptLines,
      lastOutage: this.lastOutage,
      lastRefusal: this.lastRefusal,
      quarantineFile: this.quarantine.path,
    };
  }

  /** Stops the timer, flushes (to PostgreSQL or the spool) and releases the spool. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (!this.started) return;
    // A last attempt at the database even while backing off: shutdown is when it matters most.
    this.retryAt = 0;
    if (!(await within(this.flush(), this.closeTimeoutMs))) {
      // PostgreSQL is too slow to answer within the shutdown budget: the queue goes to the spool.
      // If the slow write commits after all, the replay skips those rows (same event ids).
      this.log.warn(
        { queued: this.queue.length, closeTimeoutMs: this.closeTimeoutMs },
        'audit database did not answer at shutdown; spooling the queued rows',
      );
      const waiting = this.queue.splice(0);
      const spooled = await this.spool
        .append(waiting.map((item) => jsonSafe(finalize(item)) as AuditRecord))
        .catch(() => 0);
      this.counters.rowsSpooled += spooled;
      this.stored(waiting.slice(0, spooled));
      this.queue = waiting.slice(spooled);
    }
    if (this.queue.length > 0) {
      this.log.error(
        { lostRows: this.queue.length, spool: this.spool.path },
        'audit rows lost at shutdown: PostgreSQL is down and the spool is full',
      );
    }
    await this.spool.close();
  }

  /** Rows now in PostgreSQL or the spool: their reservations are released, their waiters told. */
  private stored(items: readonly Queued[]): void {
    for (const item of items) {
      this.reservedBytes = Math.max(0, this.reservedBytes - item.reserved);
      item.settle?.(true);
    }
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn, fn);
    this.lock = run.catch(() => {});
    return run;
  }

  private databaseUsable(): boolean {
    return this.healthy || Date.now() >= this.retryAt;
  }

  /**
   * Appends records; a data error (PostgreSQL refused a value) is not an outage: the batch is
   * retried row by row and each refused row is quarantined (a substitute row is stored in its place),
   * so one hostile row never blocks the rest nor marks the database down. Throws only on outages.
   */
  private async write(records: readonly AuditRecord[], dedupe: boolean): Promise<void> {
    try {
      await this.append(records, dedupe);
    } catch (error) {
      // The transaction may or may not have committed: re-read the head and de-duplicate next time.
      this.head = undefined;
      if (!isDataError(error)) throw this.markDown(error);
      for (const record of records) {
        try {
          await this.append([record], true);
        } catch (rowError) {
          this.head = undefined;
          if (!isDataError(rowError)) throw this.markDown(rowError);
          await this.quarantineRow(record, rowError);
        }
      }
    }
  }

  private async append(records: readonly AuditRecord[], dedupe: boolean): Promise<void> {
    const { head, inserted } = await appendRecords(this.pool, this.chainId, this.head, records, dedupe);
    this.head = head;
    this.counters.rowsWritten += inserted;
    if (!this.healthy) this.log.info({ chainId: this.chainId }, 'audit database reachable again');
    this.healthy = true;
    this.lastOutage = undefined;
    this.backoffMs = 0;
  }

  private markDown(error: unknown): unknown {
    this.counters.writeFailures += 1;
    this.lastOutage = refusalReason(error).message;
    if (this.healthy)
      this.log.warn(
        { err: error, chainId: this.chainId },
        'audit database unreachable; spooling audit rows locally',
      );
    this.healthy = false;
    this.backoffMs = Math.min(this.retryMaxMs, this.backoffMs === 0 ? this.retryMinMs : this.backoffMs * 2);
    this.retryAt = Date.now() + this.backoffMs;
    return error;
  }

  private async quarantineRow(record: AuditRecord, error: unknown): Promise<void> {
    const reason = refusalReason(error);
    this.counters.rowsQuarantined += 1;
    this.lastRefusal = `${reason.sqlstate}: ${reason.message}`;
    try {
      await this.quarantine.add(record, error);
    } catch (fileError) {
      this.log.error({ err: fileError, file: this.quarantine.path }, 'audit quarantine file write failed');
    }
    this.log.error(
      { id: record.id, name: record.name, ...reason, file: this.quarantine.path },
      'PostgreSQL refused an audit row: stored a marked substitute and quarantined the original',
    );
    try {
      await this.append([quarantineSubstitute(record, error)], true);
    } catch (substituteError) {
      this.head = undefined;
      if (!isDataError(substituteError)) throw this.markDown(substituteError);
      this.counters.rowsUnstorable += 1;
      this.log.error(
        { id: record.id, err: substituteError, file: this.quarantine.path },
        'PostgreSQL refused the quarantine substitute too; the row is only in the quarantine file',
      );
    }
  }

  private async drain(): Promise<void> {
    // 1. Replay the spool first (bounded per round so queued rows and intents are not starved).
    for (let round = 0; round < 20 && this.spool.hasPending && this.databaseUsable(); round++) {
      const { records, endOffset } = await this.spool.peek(this.batchRows);
      try {
        await this.write(records, true);
      } catch {
        break;
      }
      await this.spool.consume(endOffset);
      this.counters.rowsReplayed += records.length;
    }
    // 2. The in-memory queue: to PostgreSQL when it answers, else to the spool.
    while (this.queue.length > 0) {
      const batch = this.queue.slice(0, this.batchRows);
      const records = batch.map(finalize);
      if (this.databaseUsable()) {
        try {
          await this.write(records, false);
          this.stored(this.queue.splice(0, batch.length));
          this.saturated = false;
          continue;
        } catch {
          // Fall through to the spool.
        }
      }
      let spooled = 0;
      try {
        spooled = await this.spool.append(records.map((r) => jsonSafe(r) as AuditRecord));
      } catch (error) {
        this.log.error({ err: error, spool: this.spool.path }, 'audit spool write failed');
      }
      this.counters.rowsSpooled += spooled;
      this.stored(this.queue.splice(0, spooled));
      if (spooled < batch.length) {
        // Only a row larger than its reservation gets here; it waits in memory for PostgreSQL.
        for (const item of this.queue) {
          item.settle?.(false);
          delete item.settle;
        }
        if (!this.saturated) {
          this.log.error(
            { spoolBytes: this.spool.bytes, capacity: this.spool.capacityBytes, waiting: this.queue.length },
            'audit spool is full and PostgreSQL is down: refusing new calls until the audit database is back',
          );
        }
        this.saturated = true;
        return;
      }
    }
    if (this.healthy) this.saturated = false;
  }
}
