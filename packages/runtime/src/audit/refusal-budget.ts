import { createHash, randomUUID } from 'node:crypto';
import { ToolError } from '@mcp-platform/protocol';
import { canonicalJson, sha256Hex } from './canonical-json.ts';
import { type AuditRecord, makeRecord } from './record.ts';
import type { AuditTrail } from './trail.ts';

/**
 * Refused calls (403 insufficient scope, invalid arguments, rate-limited) cost the caller nothing
 * and each would be a row in an append-only table, so a principal flooding them could write without
 * bound. Each principal gets a budget of refusals recorded row by row per window; past it, further
 * refusals are answered RATE_LIMITED and folded into ONE summary row per principal and window
 * (event `refusals.summary`; a window opens with the principal's first refusal): how many, of which tools and codes, when, and a running SHA-256 over
 * every folded call (its id, name, code and the digest of its arguments). Every call is still on
 * record; the volume a principal can write is bounded by the budget plus one row per window.
 */
export interface RefusalBudgetOptions {
  server: string;
  trail: AuditTrail;
  /** Refusals per principal per window recorded in full (0 = no budget: every refusal in full). */
  perWindow: number;
  windowMs?: number;
  now?: () => number;
}

/** Most distinct tool names and error codes listed in a summary (the rest are counted as `(other)`). */
const MAX_NAMES = 20;
/** Principals tracked at once; past it the oldest window is summarised early. */
const MAX_PRINCIPALS = 10_000;

interface Folded {
  template: AuditRecord;
  count: number;
  first: string;
  last: string;
  names: Map<string, number>;
  codes: Map<string, number>;
  bytes: number;
  digest: string;
}

interface Tally {
  /** When the principal's current window began: its first refusal after the previous one ended. */
  start: number;
  recorded: number;
  folded: Folded | undefined;
}

function bump(map: Map<string, number>, key: string): void {
  if (map.has(key) || map.size < MAX_NAMES) map.set(key, (map.get(key) ?? 0) + 1);
  else map.set('(other)', (map.get('(other)') ?? 0) + 1);
}

/** The error answered to a refusal past its principal's budget. */
export function refusalsRateLimited(
  perWindow: number,
  windowMs: number,
  retryAfterSeconds: number,
): ToolError {
  return new ToolError(
    'RATE_LIMITED',
    `Too many refused calls: at most ${perWindow} refused calls per ${Math.round(windowMs / 1000)} s per caller are processed`,
    {
      retryable: true,
      hint: `Fix the cause of the refusals (missing scope, invalid arguments) and wait ${retryAfterSeconds} seconds before calling again.`,
      details: { retryAfterSeconds },
    },
  );
}

export class RefusalBudget {
  readonly perWindow: number;
  readonly windowMs: number;
  private readonly trail: AuditTrail;
  private readonly server: string;
  private readonly now: () => number;
  private readonly tallies = new Map<string, Tally>();
  /** Refusals folded into summaries since start (the metric `mcp_audit_refusals_folded_total`). */
  foldedTotal = 0;
  private readonly timer: NodeJS.Timeout | undefined;

  constructor(options: RefusalBudgetOptions) {
    this.perWindow = options.perWindow;
    this.windowMs = options.windowMs ?? 60_000;
    this.trail = options.trail;
    this.server = options.server;
    this.now = options.now ?? Date.now;
    if (this.perWindow > 0) {
      // Summaries of ended windows are written even when the principal never comes back.
      this.timer = setInterval(() => this.sweep(), Math.min(this.windowMs, 60_000));
      this.timer.unref();
    }
  }

  /**
   * Whether the refusal `row` (built, not yet recorded) is recorded in full. When not, it has been
   * folded into its principal's summary and the call must be answered RATE_LIMITED.
   */
  admit(row: AuditRecord): boolean {
    if (this.perWindow <= 0) return true;
    const now = this.now();
    let tally = this.tallies.get(row.subject);
    if (tally && now - tally.start >= this.windowMs) {
      this.summarise(tally);
      tally = undefined;
    }
    if (!tally) {
      if (this.tallies.size >= MAX_PRINCIPALS) this.evictOldest();
      tally = { start: now, recorded: 0, folded: undefined };
      this.tallies.set(row.subject, tally);
    }
    if (tally.recorded < this.perWindow) {
      tally.recorded += 1;
      return true;
    }
    this.fold(tally, row);
    this.foldedTotal += 1;
    return false;
  }

  /** Seconds until `subject`'s window ends (when its refusals are processed again). */
  retryAfterSeconds(subject: string): number {
    const start = this.tallies.get(subject)?.start ?? this.now();
    return Math.max(1, Math.ceil((start + this.windowMs - this.now()) / 1000));
  }

  /** The error answered to `subject`'s refusal folded by `admit`. */
  rateLimited(subject: string): ToolError {
    return refusalsRateLimited(this.perWindow, this.windowMs, this.retryAfterSeconds(subject));
  }

  /** Writes every pending summary (at shutdown, before the trail closes). */
  close(): void {
    if (this.timer) clearInterval(this.timer);
    for (const tally of this.tallies.values()) this.summarise(tally);
    this.tallies.clear();
  }

  private fold(tally: Tally, row: AuditRecord): void {
    const args = canonicalJson(row.arguments);
    const argsDigest = sha256Hex(args);
    const folded = tally.folded ?? {
      template: row,
      count: 0,
      first: row.at,
      last: row.at,
      names: new Map<string, number>(),
      codes: new Map<string, number>(),
      bytes: 0,
      digest: '',
    };
    folded.count += 1;
    folded.last = row.at;
    folded.bytes += Buffer.byteLength(args, 'utf8');
    bump(folded.names, `${row.kind}:${row.name}`);
    bump(folded.codes, row.errorCode ?? '(none)');
    folded.digest = createHash('sha256')
      .update(`${folded.digest}\n${row.id}\n${row.kind}:${row.name}\n${row.errorCode ?? ''}\n${argsDigest}`)
      .digest('hex');
    tally.folded = folded;
  }

  private summarise(tally: Tally): void {
    const folded = tally.folded;
    tally.folded = undefined;
    if (!folded) return;
    const t = folded.template;
    const windowStart = new Date(tally.start).toISOString();
    this.trail.record(
      makeRecord({
        ...t,
        id: randomUUID(),
        at: folded.last,
        server: this.server,
        event: 'refusals.summary',
        name: folded.names.size === 1 ? t.name : '(several)',
        arguments: {},
        outcome: 'rate_limited',
        errorCode: 'RATE_LIMITED',
        durationMs: null,
        resultBytes: null,
        resultSha256: null,
        touched: [],
        approvalId: null,
        detail: {
          folded: folded.count,
          recordedInFull: this.perWindow,
          windowStart,
          windowMs: this.windowMs,
          first: folded.first,
          last: folded.last,
          calls: Object.fromEntries(folded.names),
          errorCodes: Object.fromEntries(folded.codes),
          argumentBytes: folded.bytes,
          digest: folded.digest,
        },
      }),
    );
  }

  private sweep(): void {
    const now = this.now();
    for (const [subject, tally] of this.tallies) {
      if (now - tally.start < this.windowMs) continue;
      this.summarise(tally);
      this.tallies.delete(subject);
    }
  }

  private evictOldest(): void {
    const [subject, tally] = this.tallies.entries().next().value as [string, Tally];
    this.summarise(tally);
    this.tallies.delete(subject);
  }
}
