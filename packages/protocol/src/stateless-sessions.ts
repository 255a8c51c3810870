import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Stateless sessions for 2025-era Streamable HTTP clients. The `Mcp-Session-Id` we hand out on
 * `initialize` is a signed, self-contained record of what the client declared (capabilities,
 * implementation info, protocol version) and who it is (subject). Any replica can verify it, so a
 * later request on any replica knows the client's capabilities — which is what lets a tool ask a
 * 2025 client for input (sampling, elicitation) — without sticky sessions or a session store.
 */
export interface StatelessSession {
  protocolVersion: string;
  clientInfo?: { name?: string; version?: string };
  capabilities: Record<string, unknown>;
  subject: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
}

const PREFIX = 'v1.';
const DOMAIN = 'mcp-platform legacy session\0';

export interface StatelessSessionCodec {
  mint(session: Omit<StatelessSession, 'iat'>): string;
  /** The session, or undefined when the id is malformed, forged, expired or another principal's. */
  verify(id: string, subject: string): StatelessSession | undefined;
}

export function createStatelessSessionCodec(secret: string, ttlSeconds = 24 * 3600): StatelessSessionCodec {
  const key = createHmac('sha256', secret).update(DOMAIN).digest();
  const mac = (payload: string) => createHmac('sha256', key).update(payload).digest();
  return {
    mint(session) {
      const payload = Buffer.from(
        JSON.stringify({ ...session, iat: Math.floor(Date.now() / 1000) }),
      ).toString('base64url');
      return `${PREFIX}${payload}.${mac(payload).toString('base64url')}`;
    },
    verify(id, subject) {
      if (id.length > 8192 || !id.startsWith(PREFIX)) return undefined;
      const [payload, signature] = id.slice(PREFIX.length).split('.');
      if (!payload || !signature) return undefined;
      const expected = mac(payload);
      const given = Buffer.from(signature, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
      let session: StatelessSession;
      try {
        session = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as StatelessSession;
      } catch {
        return undefined;
      }
      if (session.subject !== subject) return undefined;
      if (typeof session.iat !== 'number' || session.iat + ttlSeconds < Date.now() / 1000) return undefined;
      return session;
    },
  };
}
