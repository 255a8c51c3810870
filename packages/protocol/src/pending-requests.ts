import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Server-to-client requests in flight on 2025-era Streamable HTTP (sampling, elicitation, roots).
 * The request goes out on the SSE stream of the POST that triggered it; the client answers with a
 * separate POST that may land on any replica. Outgoing ids are rewritten to ids unique across
 * replicas (`<replica>.<n>`), so concurrent calls never collide; the answer is delivered in process
 * when this replica holds the call, else published on the holding replica's Redis channel.
 */
export interface PendingTarget {
  deliver(message: Record<string, unknown>): void;
}

export class PendingRequests {
  private readonly replica = randomUUID().slice(0, 8);
  private readonly pending = new Map<
    string,
    { target: PendingTarget; originalId: string | number; timer: NodeJS.Timeout }
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
        this.deliverLocal(JSON.parse(raw) as Record<string, unknown>);
      } catch {
        // A malformed relay message is dropped; the waiting call times out.
      }
    });
    // Not awaited: with Redis down at start-up the subscription completes (and is renewed) when it
    // comes back; until then answers that cross replicas are refused with 404.
    this.subscriber.subscribe(this.channelPrefix + this.replica).catch(() => {});
  }

  async close(): Promise<void> {
    for (const entry of this.pending.values()) clearTimeout(entry.timer);
    this.pending.clear();
    if (this.subscriber) this.subscriber.disconnect();
  }

  /** Registers an outgoing request and returns the id to put on the wire. */
  register(originalId: string | number, target: PendingTarget): string {
    const id = `${this.replica}.${++this.counter}`;
    const timer = setTimeout(() => this.pending.delete(id), this.timeoutMs);
    timer.unref();
    this.pending.set(id, { target, originalId, timer });
    return id;
  }

  /** Routes a client's JSON-RPC response; false when no replica can be holding its request. */
  async route(message: Record<string, unknown>): Promise<boolean> {
    const id = message.id;
    if (typeof id !== 'string') return false;
    if (this.deliverLocal(message)) return true;
    const replica = id.split('.')[0];
    if (!this.redis || !replica || replica === this.replica || !/^[0-9a-f]{8}$/.test(replica)) return false;
    const receivers = await this.redis.publish(this.channelPrefix + replica, JSON.stringify(message));
    return receivers > 0;
  }

  private deliverLocal(message: Record<string, unknown>): boolean {
    const id = message.id;
    if (typeof id !== 'string') return false;
    const entry = this.pending.get(id);
    if (!entry) return false;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    entry.target.deliver({ ...message, id: entry.originalId });
    return true;
  }
}
