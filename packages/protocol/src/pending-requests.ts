import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Server-to-client requests in flight on 2025-era Streamable HTTP (sampling, elicitation, roots).
 * The request goes out on the SSE stream of the POST that triggered it; the client answers with a
 * separate POST that may land on any replica. Outgoing ids are rewritten to ids unique across
 * replicas (`<replica>.<n>`), so concurrent calls never collide; the answer is delivered in process
 * when this replica holds the call, else published on the holding replica's Redis channel.
 *
 * An answer is accepted only from the principal (and 2025 session) the request was sent to: the id
 * carries a digest of that owner, so any replica refuses a stranger's answer without asking the
 * holder, and the holder checks the full owner again before delivering.
 */
export interface PendingTarget {
  deliver(message: Record<string, unknown>): void;
}

/** Who a server-to-client request was sent to, and who answers it. */
export interface AnswerParty {
  subject: string;
  /** The verified 2025-era `Mcp-Session-Id` of the request (absent on session-less requests). */
  sessionId?: string | undefined;
}

/** What became of a client's answer. */
export type RouteResult = 'delivered' | 'unknown' | 'forbidden';

function ownerTag(party: AnswerParty): string {
  return createHash('sha256')
    .update(`${party.subject}\n${party.sessionId ?? ''}`)
    .digest('hex')
    .slice(0, 32);
}

function sameParty(a: AnswerParty, b: AnswerParty): boolean {
  return a.subject === b.subject && (a.sessionId ?? '') === (b.sessionId ?? '');
}

const ID = /^([0-9a-f]{8})\.\d+\.([0-9a-f]{32})$/;

export class PendingRequests {
  private readonly replica = randomUUID().slice(0, 8);
  private readonly pending = new Map<
    string,
    { target: PendingTarget; originalId: string | number; owner: AnswerParty; timer: NodeJS.Timeout }
  >();
  private counter = 0;
  private readonly channelPrefix: string;
  private readonly redis: Redis | undefined;
  private subscriber: Redis | undefined;

  private readonly createSubscriber: () => Redis;

  constructor(
    options: {
      redis?: Redis | undefined;
      /** Builds the subscriber connection (default `redis.duplicate()`); it needs an offline queue. */
      createSubscriber?: (() => Redis) | undefined;
      channelPrefix?: string;
      timeoutMs?: number;
    } = {},
  ) {
    this.redis = options.redis;
    this.createSubscriber = options.createSubscriber ?? (() => this.redis!.duplicate());
    this.channelPrefix = options.channelPrefix ?? 'mcp:rpc-response:';
    this.timeoutMs = options.timeoutMs ?? 10 * 60_000;
  }

  private readonly timeoutMs: number;

  async start(): Promise<void> {
    if (!this.redis) return;
    this.subscriber = this.createSubscriber();
    this.subscriber.on('error', () => {});
    this.subscriber.on('message', (_channel: string, raw: string) => {
      try {
        const relayed = JSON.parse(raw) as { message?: unknown; answerer?: unknown };
        const answerer = relayed.answerer as AnswerParty | undefined;
        // A relay without its answerer (an older replica) is dropped: the owner cannot be checked.
        if (typeof relayed.message !== 'object' || relayed.message === null) return;
        if (typeof answerer?.subject !== 'string') return;
        this.deliverLocal(relayed.message as Record<string, unknown>, answerer);
      } catch {
        // A malformed relay message is dropped; the waiting call times out.
      }
    });
    // Awaited for at most 2 s: a healthy Redis is subscribed before the first call (else an answer
    // landing on another replica right away finds no receiver). With Redis down at start-up the
    // subscription completes (and is renewed) when it comes back; until then such answers get 404.
    const subscribed = this.subscriber.subscribe(this.channelPrefix + this.replica).catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([subscribed, new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
    clearTimeout(timer);
  }

  async close(): Promise<void> {
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
    this.pending.clear();
    if (this.subscriber) this.subscriber.disconnect();
  }

  /** Registers an outgoing request sent to `owner` and returns the id to put on the wire. */
  register(originalId: string | number, target: PendingTarget, owner: AnswerParty): string {
    const id = `${this.replica}.${++this.counter}.${ownerTag(owner)}`;
    const timer = setTimeout(() => this.pending.delete(id), this.timeoutMs);
    timer.unref();
    this.pending.set(id, { target, originalId, owner, timer });
    return id;
  }

  /**
   * Routes a client's JSON-RPC response from `answerer`: `forbidden` when the request was sent to
   * someone else (it stays in flight for its owner), `unknown` when no replica can be holding it.
   */
  async route(message: Record<string, unknown>, answerer: AnswerParty): Promise<RouteResult> {
    const id = message.id;
    if (typeof id !== 'string') return 'unknown';
    const parts = ID.exec(id);
    if (!parts) return 'unknown';
    if (parts[2] !== ownerTag(answerer)) return 'forbidden';
    const local = this.deliverLocal(message, answerer);
    if (local !== 'unknown') return local;
    const replica = parts[1]!;
    if (!this.redis || replica === this.replica) return 'unknown';
    const receivers = await this.redis.publish(
      this.channelPrefix + replica,
      JSON.stringify({ message, answerer: { subject: answerer.subject, sessionId: answerer.sessionId } }),
    );
    return receivers > 0 ? 'delivered' : 'unknown';
  }

  private deliverLocal(message: Record<string, unknown>, answerer: AnswerParty): RouteResult {
    const id = message.id;
    if (typeof id !== 'string') return 'unknown';
    const entry = this.pending.get(id);
    if (!entry) return 'unknown';
    if (!sameParty(entry.owner, answerer)) return 'forbidden';
    this.pending.delete(id);
    clearTimeout(entry.timer);
    entry.target.deliver({ ...message, id: entry.originalId });
    return 'delivered';
  }
}
