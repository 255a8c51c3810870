import { isIP } from 'node:net';

/** Whether `host` names the loopback interface (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1';
  return false;
}

export class DevIdpError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'DevIdpError';
    this.code = code;
  }
}

/** Refuses anything but loopback: this provider has no passwords and must never be reachable from a network. */
export function assertLoopback(host: string, issuer: string | undefined): void {
  if (!isLoopbackHost(host)) {
    throw new DevIdpError(
      'DEV_IDP_NOT_LOOPBACK',
      `The development identity provider only binds to loopback (127.0.0.1, ::1, localhost), not "${host}": it signs anyone in without a password. Use your organisation's identity provider anywhere else.`,
    );
  }
  if (issuer !== undefined && !isLoopbackHost(new URL(issuer).hostname)) {
    throw new DevIdpError(
      'DEV_IDP_NOT_LOOPBACK',
      `The development identity provider's issuer must be a loopback URL, got ${issuer}`,
    );
  }
}
