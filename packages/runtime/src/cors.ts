import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export interface CorsOptions {
  /** Exact browser origins (`https://app.example.com`) that may call the MCP endpoints; empty = CORS off. */
  origins: readonly string[];
  /** MCP endpoints and the methods each serves, e.g. `{ '/mcp': ['GET', 'POST', 'DELETE'] }`. */
  endpoints: Readonly<Record<string, readonly string[]>>;
  /** Public documents every origin may read (protected-resource metadata): `*`, never with credentials. */
  publicPaths: readonly string[];
}

/** Request headers MCP clients send (Authorization included: bearer tokens, not cookies). */
const ALLOW_HEADERS = [
  'authorization',
  'content-type',
  'accept',
  'last-event-id',
  'mcp-session-id',
  'mcp-protocol-version',
  'mcp-method',
  'mcp-name',
  'traceparent',
  'tracestate',
  'baggage',
  'x-request-id',
].join(', ');

/** Response headers a browser client must be able to read. */
const EXPOSE_HEADERS = [
  'mcp-session-id',
  'mcp-protocol-version',
  'mcp-method',
  'mcp-name',
  'www-authenticate',
  'retry-after',
  'x-request-id',
].join(', ');

const PREFLIGHT_MAX_AGE_SECONDS = '600';

function pathOf(request: FastifyRequest): string {
  const url = request.url;
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * CORS for browser-based MCP clients, answered in the first `onRequest` hook, before authentication
 * (a preflight never carries credentials). Off unless origins are listed. A listed origin gets its own
 * origin echoed (never `*`, and never `Access-Control-Allow-Credentials`: clients authenticate with a
 * bearer header, not cookies); a preflight from any other origin is refused with 403 and no CORS
 * headers, and its actual requests meet the Origin guard (403) exactly as before. The public
 * protected-resource metadata is readable from every origin while CORS is on.
 */
export function registerCors(app: FastifyInstance, options: CorsOptions): void {
  if (options.origins.length === 0) return;
  const origins = new Set(options.origins);
  const endpoints = new Map(
    Object.entries(options.endpoints).map(([path, methods]) => [path, [...methods, 'OPTIONS'].join(', ')]),
  );
  const publicPaths = new Set(options.publicPaths);

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (origin === undefined) return;
    const path = pathOf(request);
    const isPublic = publicPaths.has(path);
    const methods = isPublic ? 'GET, OPTIONS' : endpoints.get(path);
    if (methods === undefined) return;
    const listed = origins.has(origin);
    const preflight =
      request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
    if (!listed && !isPublic) {
      if (!preflight) return; // The Origin guard answers the actual request (403).
      request.log.info({ origin }, 'refused CORS preflight from an origin that is not listed');
      return reply.code(403).send({
        error: 'origin_not_allowed',
        message: `Forbidden: origin ${origin} may not call this server from a browser; add it to CORS_ALLOWED_ORIGINS`,
      });
    }
    if (isPublic) {
      reply.header('access-control-allow-origin', '*');
    } else {
      reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
    }
    if (!preflight) {
      reply.header('access-control-expose-headers', EXPOSE_HEADERS);
      return;
    }
    return reply
      .code(204)
      .header('access-control-allow-methods', methods)
      .header('access-control-allow-headers', ALLOW_HEADERS)
      .header('access-control-max-age', PREFLIGHT_MAX_AGE_SECONDS)
      .send();
  });
}
