import { createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Caller } from '@mcp-platform/protocol';
import { EncryptJWT, jwtDecrypt } from 'jose';

/** What the console remembers about a signed-in person (sealed in the session cookie). */
export interface ConsoleSession {
  /** Random id; the CSRF token is derived from it. */
  sid: string;
  subject: string;
  name: string;
  scopes: readonly string[];
  clientId: string | undefined;
  expiresAt: Date;
}

/** Short-lived state of one sign-in (PKCE verifier, state, nonce), sealed in its own cookie. */
export interface LoginState {
  state: string;
  nonce: string;
  verifier: string;
  returnTo: string;
}

const key = (secret: string, purpose: string) =>
  new Uint8Array(hkdfSync('sha256', Buffer.from(secret, 'utf8'), 'mcp-approvals-console', purpose, 32));

/**
 * Seals sessions and login states as encrypted JWTs (A256GCM, key derived from
 * CONSOLE_SESSION_SECRET, so every replica reads them) bound to this console's origin: a cookie
 * copied to another server's console — even one with the same secret — does not open there.
 */
export class SessionSealer {
  private readonly sessionKey: Uint8Array;
  private readonly loginKey: Uint8Array;
  private readonly csrfKey: Uint8Array;
  private readonly origin: string;

  constructor(secret: string, origin: string) {
    this.sessionKey = key(secret, 'session');
    this.loginKey = key(secret, 'login');
    this.csrfKey = key(secret, 'csrf');
    this.origin = origin;
  }

  async sealSession(session: Omit<ConsoleSession, 'sid'>): Promise<{ value: string; sid: string }> {
    const sid = randomBytes(16).toString('base64url');
    const value = await new EncryptJWT({
      sid,
      name: session.name,
      scopes: [...session.scopes],
      ...(session.clientId === undefined ? {} : { cid: session.clientId }),
    })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setSubject(session.subject)
      .setAudience(this.origin)
      .setIssuedAt()
      .setExpirationTime(Math.floor(session.expiresAt.getTime() / 1000))
      .encrypt(this.sessionKey);
    return { value, sid };
  }

  async openSession(value: string | undefined): Promise<ConsoleSession | undefined> {
    if (!value) return undefined;
    try {
      const { payload } = await jwtDecrypt(value, this.sessionKey, { audience: this.origin });
      if (typeof payload.sub !== 'string' || typeof payload.sid !== 'string') return undefined;
      return {
        sid: payload.sid,
        subject: payload.sub,
        name: typeof payload.name === 'string' ? payload.name : payload.sub,
        scopes: Array.isArray(payload.scopes) ? payload.scopes.filter((s) => typeof s === 'string') : [],
        clientId: typeof payload.cid === 'string' ? payload.cid : undefined,
        expiresAt: new Date((payload.exp ?? 0) * 1000),
      };
    } catch {
      return undefined;
    }
  }

  async sealLogin(login: LoginState): Promise<string> {
    return new EncryptJWT({ ...login })
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .setAudience(this.origin)
      .setIssuedAt()
      .setExpirationTime('10m')
      .encrypt(this.loginKey);
  }

  async openLogin(value: string | undefined): Promise<LoginState | undefined> {
    if (!value) return undefined;
    try {
      const { payload } = await jwtDecrypt(value, this.loginKey, { audience: this.origin });
      const { state, nonce, verifier, returnTo } = payload as Record<string, unknown>;
      if ([state, nonce, verifier, returnTo].some((v) => typeof v !== 'string')) return undefined;
      return { state, nonce, verifier, returnTo } as LoginState;
    } catch {
      return undefined;
    }
  }

  /** The CSRF token of a session: every decision form carries it; it is useless without the cookie. */
  csrfToken(sid: string): string {
    return createHmac('sha256', this.csrfKey).update(sid).digest('base64url');
  }

  checkCsrf(sid: string, token: unknown): boolean {
    if (typeof token !== 'string') return false;
    const expected = Buffer.from(this.csrfToken(sid));
    const given = Buffer.from(token);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

/** The Caller a session stands for, for the decision rules (the same as the API's). */
export function sessionCaller(session: ConsoleSession): Caller {
  return Object.freeze({
    subject: session.subject,
    kind: 'user',
    ...(session.clientId === undefined ? {} : { clientId: session.clientId }),
    scopes: Object.freeze([...session.scopes]),
    claims: Object.freeze({ name: session.name, via: 'approvals-console' }),
  });
}
