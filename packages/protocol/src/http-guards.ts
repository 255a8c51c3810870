import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { browserGuard } from './browser-guard.ts';
import { RpcCode } from './errors.ts';
import { jsonDepthExceeds, MAX_JSON_DEPTH } from './input-safety.ts';

/** A JSON-RPC error message (id null when the request's id is unknown). */
export function jsonRpcError(
  id: unknown,
  code: number,
  message: string,
  data?: unknown,
): Record<string, unknown> {
  return {
    jsonrpc: '2.0',
    id: typeof id === 'string' || typeof id === 'number' ? id : null,
    error: { code, message, ...(data === undefined ? {} : { data }) },
  };
}

/**
 * The browser guard (see browser-guard.ts) for one endpoint's routes, Origin only: requests without
 * `Origin` (non-browser clients) pass; a browser origin must be listed or gets 403.
 */
export function originGuard(allowed: readonly string[] | undefined, _what: string) {
  return browserGuard({ allowedOrigins: allowed });
}

/** Framework errors as JSON-RPC errors: 413 over the body limit, internals hidden on 5xx. */
export function jsonRpcErrorHandler(maxBodyBytes: number, what: string) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return reply
        .code(413)
        .send(jsonRpcError(null, -32000, `Request body too large: the limit is ${maxBodyBytes} bytes`));
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ err: error }, `${what} failed`);
    const internal = status >= 500;
    return reply
      .code(status)
      .send(
        jsonRpcError(
          null,
          internal ? RpcCode.InternalError : RpcCode.InvalidRequest,
          internal ? 'Internal server error' : error.message,
        ),
      );
  };
}

/** Body markers the JSON-RPC parsers leave for the route to answer with the right error. */
export const PARSE_FAILED = Symbol('mcp.parse-failed');
export const UNSUPPORTED_MEDIA = Symbol('mcp.unsupported-media');
export const TOO_DEEP = Symbol('mcp.too-deep');
export const TOO_DEEP_MESSAGE = `Invalid Request: the JSON is nested deeper than ${MAX_JSON_DEPTH} levels; flatten the arguments`;

/**
 * Parses JSON bodies ourselves, so malformed JSON becomes JSON-RPC -32700 and other media types 415
 * (answered by the route from the markers) instead of framework errors.
 */
export function addJsonRpcParsers(app: FastifyInstance, maxBodyBytes: number): void {
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: maxBodyBytes },
    (_req, body, done) => {
      // Depth is bounded on the raw text, before parsing or any recursive processing (validation, audit).
      if (jsonDepthExceeds(body as string)) {
        done(null, TOO_DEEP);
        return;
      }
      try {
        done(null, JSON.parse(body as string));
      } catch {
        done(null, PARSE_FAILED);
      }
    },
  );
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: maxBodyBytes }, (_req, _body, done) => {
    done(null, UNSUPPORTED_MEDIA);
  });
}
