import type { FastifyBaseLogger } from 'fastify';
import type { Redis } from 'ioredis';
import type { Caller } from '../definitions.ts';

/** What every replica can learn about a legacy SSE session. */
export interface SseSessionRecord {
  /** Subject of the principal who opened the stream; only they may post to it. */
  owner: string;
  /** Epoch milliseconds. */
  createdAt: number;
}

/** One client message on its way from the replica that received the POST to the one holding the stream. */
export interface RelayEnvelope {
  message: unknown;
  /** Request id of the POST that carried the message (the call's correlation id). */
  correlationId: string;
  traceparent?: string;
  /**
   * The principal the POST was authenticated as (same subject as the session's owner): its current
   * token's scopes, so a step-up or a narrower token applies to the session's next calls.
   */
  caller?: Caller;
}

function parseCaller(value: unknown): Caller | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const c = value as Partial<Caller>;
  if (typeof c.subject !== 'string' || (c.kind !== 'user' && c.kind !== 'service' && c.kind !== 'anonymous'))
    return undefined;
  if (!Array.isArray(c.scopes) || !c.scopes.every((s) => typeof s === 'string')) return undefined;
  return Object.freeze({
    subject: c.subject,
    kind: c.kind,
    ...(typeof c.clientId === 'string' ? { clientId: c.clientId } : {}),
    scopes: Object.freeze([...c.scopes]),
    claims: Object.freeze(typeof c.claims === 'object' && c.claims !== null ? { ...c.claims } : {}),
  });
}

export type RelayDelivery = (envelope: RelayEnvelope) => void;

/**
 * Where legacy SSE sessions live and how messages reach them. `LocalSseRelay` serves one process;
 * `RedisSseRelay` lets any replica accept a POST for a stream held by another.
 */
export interface SseRelay {
  /** Makes the session known and routes its messages to `deliver`; resolves once messages can flow. */
  register(sessionId: string, record: SseSessionRecord, deliver: RelayDelivery): Promise<void>;
  /** Keeps the session alive (called on every keep-alive). */
  refresh(sessionId: string, record: SseSessionRecord): Promise<void>;
  lookup(sessionId: string): Promise<SseSessionRecord | undefined>;
  /** Hands a message to the stream holder; false when nobody holds the stream any more. */
  publish(sessionId: string, envelope: RelayEnvelope): Promise<boolean>;
  unregister(sessionId: string): Promise<void>;
  close(): Promise<void>;
}

/** Single-process mode: sessions in a map, messages delivered in place. */
export class LocalSseRelay implements SseRelay {
  private readonly sessions = new Map<string, { record: SseSessionRecord; deliver: RelayDelivery }>();

  async register(sessionId: string, record: SseSessionRecord, deliver: RelayDelivery): Promise<void> {
    this.sessions.set(sessionId, { record, deliver });
  }

  async refresh(): Promise<void> {}

  async lookup(sessionId: string): Promise<SseSessionRecord | undefined> {
    return this.sessions.get(sessionId)?.record;
  }

  async publish(sessionId: string, envelope: RelayEnvelope): Promise<boolean> {
    const entry = this.sessions.get(sessionId);
    if (!entry) return false;
    // Like the Redis relay: the message is handled after the POST got its 202, in posting order.
    setImmediate(() => entry.deliver(envelope));
    return true;
  }

  async unregister(sessionId: string): Promise<void> {
    this.sessions.delete(sessionId);
  }

  async close(): Promise<void> {
    this.sessions.clear();
  }
}

export interface RedisSseRelayOptions {
  /** Command connection (shared with the rest of the server; never put into subscriber mode). */
  redis: Redis;
  /** Creates the dedicated subscriber connection; default `redis.duplicate()`. Closed with the relay. */
  createSubscriber?: () => Redis;
  /** Prefix of keys and channels, e.g. `mcp:sse:crm:`. */
  prefix: string;
  /** Lifetime of a session key without keep-alives. */
  ttlMs: number;
  log: FastifyBaseLogger;
}

function parseEnvelope(payload: string): RelayEnvelope | undefined {
  try {
    const value = JSON.parse(payload) as Partial<RelayEnvelope> | null;
    if (typeof value !== 'object' || value === null || typeof value.correlationId !== 'string')
      return undefined;
    return {
      message: value.message,
      correlationId: value.correlationId,
      ...(typeof value.traceparent === 'string' ? { traceparent: value.traceparent } : {}),
      ...(parseCaller(value.caller) === undefined ? {} : { caller: parseCaller(value.caller) as Caller }),
    };
  } catch {
    return undefined;
  }
}

function parseRecord(payload: string | null): SseSessionRecord | undefined {
  if (payload === null) return undefined;
  try {
    const value = JSON.parse(payload) as Partial<SseSessionRecord> | null;
    if (typeof value?.owner !== 'string' || typeof value.createdAt !== 'number') return undefined;
    return { owner: value.owner, createdAt: value.createdAt };
  } catch {
    return undefined;
  }
}

/**
 * Multi-replica mode. The session record sits under `<prefix>session:<id>` with a TTL the holder
 * refreshes; the holder subscribes to `<prefix><id>` and the replica receiving a POST publishes the
 * message there. Every message goes through Redis, even when the POST reached the holder itself:
 * one subscriber connection receives messages in publish order, so a client that waits for each
 * 202 sees its messages processed in the order it sent them, whichever replicas it reached.
 */
export class RedisSseRelay implements SseRelay {
  private readonly redis: Redis;
  private readonly createSubscriber: () => Redis;
  private readonly prefix: string;
  private readonly ttlMs: number;
  private readonly log: FastifyBaseLogger;
  private subscriber: Redis | undefined;
  private readonly deliveries = new Map<string, RelayDelivery>();
  /** Records of the sessions whose streams this replica holds (re-published after a Redis restart). */
  private readonly held = new Map<string, SseSessionRecord>();
  private readonly republish = () => void this.republishHeld();

  constructor(options: RedisSseRelayOptions) {
    this.redis = options.redis;
    this.createSubscriber = options.createSubscriber ?? (() => options.redis.duplicate());
    this.prefix = options.prefix;
    this.ttlMs = options.ttlMs;
    this.log = options.log;
    // A Redis restarted without persistence has lost every record: put ours back as soon as the
    // connection is ready again, rather than answer 404 until the next keep-alive refresh.
    this.redis.on('ready', this.republish);
  }

  private async republishHeld(): Promise<void> {
    if (this.held.size === 0) return;
    const pipeline = this.redis.pipeline();
    for (const [sessionId, record] of this.held) {
      pipeline.set(this.key(sessionId), JSON.stringify(record), 'PX', this.ttlMs);
    }
    try {
      await pipeline.exec();
      this.log.info({ sessions: this.held.size }, 'legacy SSE relay: session records re-published to Redis');
    } catch (error) {
      this.log.warn({ err: error }, 'legacy SSE relay: could not re-publish the session records');
    }
  }

  /** In-process delivery for a stream this replica holds (while Redis cannot carry the message). */
  private deliverHere(sessionId: string, envelope: RelayEnvelope): boolean {
    const deliver = this.deliveries.get(this.channel(sessionId));
    if (!deliver) return false;
    setImmediate(() => deliver(envelope));
    return true;
  }

  private key(sessionId: string): string {
    return `${this.prefix}session:${sessionId}`;
  }

  private channel(sessionId: string): string {
    return `${this.prefix}${sessionId}`;
  }

  private subscriberConnection(): Redis {
    if (this.subscriber) return this.subscriber;
    const subscriber = this.createSubscriber();
    subscriber.on('error', (error: Error) =>
      this.log.warn({ err: error }, 'legacy SSE relay: Redis subscriber error'),
    );
    subscriber.on('message', (channel: string, payload: string) => {
      const deliver = this.deliveries.get(channel);
      if (!deliver) return;
      const envelope = parseEnvelope(payload);
      if (!envelope) {
        this.log.warn({ channel }, 'legacy SSE relay: dropped a malformed relayed message');
        return;
      }
      deliver(envelope);
    });
    this.subscriber = subscriber;
    return subscriber;
  }

  async register(sessionId: string, record: SseSessionRecord, deliver: RelayDelivery): Promise<void> {
    const channel = this.channel(sessionId);
    this.deliveries.set(channel, deliver);
    this.held.set(sessionId, record);
    try {
      await this.subscriberConnection().subscribe(channel);
      await this.redis.set(this.key(sessionId), JSON.stringify(record), 'PX', this.ttlMs);
    } catch (error) {
      this.deliveries.delete(channel);
      this.held.delete(sessionId);
      await this.subscriber?.unsubscribe(channel).catch(() => {});
      throw error;
    }
  }

  async refresh(sessionId: string, record: SseSessionRecord): Promise<void> {
    // SET rather than PEXPIRE: it also restores the record after a Redis restart.
    await this.redis.set(this.key(sessionId), JSON.stringify(record), 'PX', this.ttlMs);
  }

  async lookup(sessionId: string): Promise<SseSessionRecord | undefined> {
    return this.held.get(sessionId) ?? parseRecord(await this.redis.get(this.key(sessionId)));
  }

  async publish(sessionId: string, envelope: RelayEnvelope): Promise<boolean> {
    let receivers: number;
    try {
      receivers = await this.redis.publish(this.channel(sessionId), JSON.stringify(envelope));
    } catch (error) {
      // Redis is down: a stream held here is still served (like the per-process rate limits).
      if (this.deliverHere(sessionId, envelope)) return true;
      throw error;
    }
    // Our subscription may not be restored yet after a reconnect: deliver in place then.
    return receivers > 0 || this.deliverHere(sessionId, envelope);
  }

  async unregister(sessionId: string): Promise<void> {
    const channel = this.channel(sessionId);
    this.deliveries.delete(channel);
    this.held.delete(sessionId);
    await Promise.all([this.subscriber?.unsubscribe(channel), this.redis.del(this.key(sessionId))]);
  }

  async close(): Promise<void> {
    this.redis.off('ready', this.republish);
    this.deliveries.clear();
    this.held.clear();
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber) await subscriber.quit().catch(() => subscriber.disconnect());
  }
}
