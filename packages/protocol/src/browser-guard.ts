import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { jsonRpcError } from './http-guards.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * `false` exempts a route from the browser (Origin/Host) guard. Only for routes without
     * credentials or side effects that browsers must reach cross-origin (OAuth metadata, probes).
     */
    browserGuard?: boolean;
    /** Reachable without credentials (health, metrics, OAuth metadata). Everything else needs a caller. */
    public?: boolean;
  }
}

export interface BrowserGuardOptions {
  /**
   * Browser origins allowed (`loopback` admits any localhost origin). Requests without `Origin`
   * (non-browser clients) pass the origin check.
   */
  allowedOrigins?: readonly string[] | undefined;
  /**
   * Host names (no port) a request's `Host` must name; undefined skips the check. Set it for servers
   * on loopback: a DNS-rebinding page reaches 127.0.0.1 under the attacker's host name.
   */
  allowedHosts?: readonly string[] | undefined;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function hostnameOf(value: string): string | undefined {
  try {
    return new URL(`http://${value}`).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}

function isLoopbackOrigin(origin: string): boolean {
  try {
    return LOOPBACK_NAMES.has(new URL(origin).hostname);
  } catch {
    return false;
  }
}

/** Why a request is refused as browser-borne (DNS rebinding, cross-site request), or undefined to let it pass. */
export function browserGuardVerdict(
  headers: { origin?: string | undefined; host?: string | undefined },
  options: BrowserGuardOptions,
): string | undefined {
  const origins = new Set(options.allowedOrigins ?? []);
  const origin = headers.origin;
  if (
    origin !== undefined &&
    !origins.has(origin) &&
    !(origins.has('loopback') && isLoopbackOrigin(origin))
  ) {
    return `origin ${origin} is not allowed; add it to ALLOWED_ORIGINS`;
  }
  if (options.allowedHosts !== undefined) {
    const host = hostnameOf(headers.host ?? '');
    const allowed = options.allowedHosts.map((h) => h.toLowerCase());
    if (host === undefined || !allowed.includes(host)) {
      return `host ${headers.host ?? '(none)'} is not served here; use ${allowed[0] ?? 'localhost'}`;
    }
  }
  return undefined;
}

/**
 * The one Origin/Host guard for everything a browser can reach: a Fastify `onRequest` hook that
 * refuses (403) requests from disallowed origins and, when `allowedHosts` is set, requests naming
 * another host. Applies to every route registered after it — MCP endpoints, uploads, approvals,
 * consoles — unless the route opts out with `config.browserGuard: false` or is `config.public`.
 */
export function browserGuard(options: BrowserGuardOptions) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const config = request.routeOptions.config;
    if (config?.browserGuard === false || config?.public === true) return;
    const verdict = browserGuardVerdict(
      { origin: request.headers.origin, host: request.headers.host },
      options,
    );
    if (verdict === undefined) return;
    request.log.warn(
      { origin: request.headers.origin, host: request.headers.host },
      `refused browser request: ${verdict}`,
    );
    return reply.code(403).send(jsonRpcError(null, -32000, `Forbidden: ${verdict}`));
  };
}

/** Installs `browserGuard` on `app` (call before registering the routes it must cover). */
export function registerBrowserGuard(app: FastifyInstance, options: BrowserGuardOptions): void {
  app.addHook('onRequest', browserGuard(options));
}

/** The host names a server bound to loopback answers to: loopback names plus its public URL's host. */
export function loopbackHosts(publicUrl: string | undefined): string[] {
  const hosts = ['localhost', '127.0.0.1', '[::1]'];
  const publicHost = publicUrl === undefined ? undefined : hostnameOf(new URL(publicUrl).host);
  if (publicHost !== undefined && !hosts.includes(publicHost)) hosts.push(publicHost);
  return hosts;
}
