import { ToolError } from '@mcp-platform/protocol';
import { traceHeaders, type UpstreamCall } from './call.ts';
import { classifyUpstreamError, networkCodeOf, UpstreamHttpError, UpstreamTimeoutError } from './classify.ts';
import { type Observer, unobserved } from './observer.ts';
import { backoffDelay, DEFAULT_RETRY, parseRetryAfter, type RetryPolicy, sleep } from './retry.ts';
import type { Credential, TokenSource } from './token-source.ts';

export interface UpstreamClientOptions {
  /** Upstream system as users know it (`ServiceNow`); used in error messages. */
  system: string;
  /** Base URL; relative paths resolve against it and absolute URLs must share its origin. */
  baseUrl: string;
  /** Where the credential comes from (none: unauthenticated). */
  auth?: TokenSource | undefined;
  /** Time limit of one attempt, inside the call's own deadline (default 15 s). */
  timeoutMs?: number;
  retry?: Partial<RetryPolicy>;
  /** Per-operation latency and error metrics (the runtime's `backendMetrics(metrics, 'servicenow')`). */
  observer?: Observer | undefined;
  /** Headers on every request (`accept`, a `sap-client`...). */
  headers?: Record<string, string>;
  /**
   * A vendor-specific reading of an error answer (ServiceNow's `{error:{message}}`, SAP's
   * `{error:{code,message}}`), tried before the generic classification; undefined falls through.
   */
  describeError?: (error: UpstreamHttpError, request: UpstreamRequest) => ToolError | undefined;
  fetch?: typeof fetch;
  /** Jitter source in [0, 1) (tests pin it). */
  random?: () => number;
}

export interface UpstreamRequest {
  /** Operation name for metrics and messages (`listIncidents`); bounded, never user input. */
  operation: string;
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path relative to the base URL, or an absolute URL on the same origin (a "next page" link). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  /** JSON body (sent as application/json). */
  json?: unknown;
  /** Form body (sent as application/x-www-form-urlencoded). */
  form?: URLSearchParams;
  headers?: Record<string, string>;
  /** Safe to repeat after a failure? Default: GET, HEAD, PUT and DELETE yes; POST and PATCH no. */
  idempotent?: boolean;
  /** Statuses returned to the caller instead of thrown (e.g. `[404]` for "not found is undefined"). */
  accept?: readonly number[];
  /** How to read the body: `json` (default), `text`, or `none`. */
  read?: 'json' | 'text' | 'none';
}

export interface UpstreamResponse<T> {
  status: number;
  headers: Headers;
  body: T;
  /** The URL that answered (after resolving `path`). */
  url: string;
}

export interface UpstreamClient {
  /** One upstream request on behalf of `call`: cancelled with it, retried when safe, classified when it fails. */
  request<T = unknown>(request: UpstreamRequest, call: UpstreamCall): Promise<UpstreamResponse<T>>;
  /** `request` returning only the body. */
  json<T = unknown>(request: UpstreamRequest, call: UpstreamCall): Promise<T>;
  /** Resolves `path` against the base URL, refusing another origin. */
  resolve(path: string): URL;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);
const RETRY_STATUS = new Set([429, 500, 502, 503, 504]);

/**
 * The HTTP client every adapter uses (the platform's fetch, undici). Per attempt: a time limit tied
 * to the call's signal (so a cancelled or timed-out call aborts its request at once), the call's
 * trace context, the credential. Idempotent requests are retried on network errors, 429 and 5xx
 * with jittered exponential backoff, honouring `Retry-After`; a 401 invalidates the credential and
 * is retried once with a fresh one. Absolute URLs (next-page links from the upstream) must keep the
 * base URL's origin, so the credential never leaves it. Failures become classified ToolErrors.
 */
export function createUpstreamClient(options: UpstreamClientOptions): UpstreamClient {
  const base = new URL(options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  const policy: RetryPolicy = { ...DEFAULT_RETRY, ...options.retry };
  const timeoutMs = options.timeoutMs ?? 15_000;
  const fetchImpl = options.fetch ?? fetch;
  const observer = options.observer ?? unobserved;
  const random = options.random ?? Math.random;

  const resolve = (path: string): URL => {
    const absolute = /^[a-z][a-z0-9+.-]*:/i.test(path);
    const url = absolute ? new URL(path) : new URL(path.replace(/^\/+/, ''), base);
    if (url.origin !== base.origin) {
      throw new ToolError(
        'UPSTREAM_ERROR',
        `${options.system} returned a link to another origin (${url.origin}); refusing to follow it`,
        { hint: 'Report it to the platform team: the upstream is misconfigured or compromised.' },
      );
    }
    return url;
  };

  const attempt = async (
    request: UpstreamRequest,
    url: URL,
    call: UpstreamCall,
    credential: Credential | undefined,
  ): Promise<Response> => {
    const method = request.method ?? 'GET';
    const headers: Record<string, string> = {
      accept: request.read === 'text' ? '*/*' : 'application/json',
      ...options.headers,
      ...request.headers,
      ...traceHeaders(call),
      ...credential?.headers(),
    };
    let body: string | URLSearchParams | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.form !== undefined) {
      body = request.form;
    }
    const timer = new AbortController();
    const timeout = setTimeout(
      () => timer.abort(new UpstreamTimeoutError(options.system, request.operation, timeoutMs)),
      timeoutMs,
    );
    try {
      return await fetchImpl(url, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        redirect: 'manual',
        signal: AbortSignal.any([call.signal, timer.signal]),
      });
    } catch (error) {
      // The call's own abort (deadline, cancel) wins over our per-attempt timer.
      if (call.signal.aborted) throw call.signal.reason;
      if (timer.signal.aborted) throw timer.signal.reason;
      throw error;
    } finally {
      clearTimeout(timeout);
    }
  };

  const run = async <T>(request: UpstreamRequest, call: UpstreamCall): Promise<UpstreamResponse<T>> => {
    const url = resolve(request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const method = request.method ?? 'GET';
    const idempotent = request.idempotent ?? IDEMPOTENT.has(method);
    let refreshed = false;
    for (let n = 1; ; n++) {
      call.signal.throwIfAborted();
      const credential = await options.auth?.get(call.signal);
      let response: Response;
      try {
        response = await attempt(request, url, call, credential);
      } catch (error) {
        const transient = error instanceof UpstreamTimeoutError || networkCodeOf(error) !== undefined;
        if (idempotent && transient && n < policy.attempts && !call.signal.aborted) {
          await sleep(backoffDelay(policy, n, random), call.signal);
          continue;
        }
        throw error;
      }
      if (response.ok || request.accept?.includes(response.status)) {
        return {
          status: response.status,
          headers: response.headers,
          url: url.href,
          body: await readBody<T>(response, request),
        };
      }
      const text = await response.text().catch(() => '');
      const failure = new UpstreamHttpError(
        options.system,
        request.operation,
        response.status,
        response.headers,
        text,
      );
      if (response.status === 401 && credential !== undefined && !refreshed) {
        // Rejected before it was processed: safe to repeat once, whatever the method.
        options.auth?.invalidate(credential);
        refreshed = true;
        continue;
      }
      const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
      if (idempotent && RETRY_STATUS.has(response.status) && n < policy.attempts) {
        if (retryAfter === undefined || retryAfter <= policy.maxRetryAfterMs) {
          await sleep(retryAfter ?? backoffDelay(policy, n, random), call.signal);
          continue;
        }
      }
      throw Object.assign(failure, { retryAfterMs: retryAfter });
    }
  };

  const request = async <T>(req: UpstreamRequest, call: UpstreamCall): Promise<UpstreamResponse<T>> =>
    observer.observe(req.operation, async () => {
      try {
        return await run<T>(req, call);
      } catch (error) {
        if (error instanceof UpstreamHttpError) {
          const vendor = options.describeError?.(error, req);
          if (vendor !== undefined) throw vendor;
        }
        const retryAfterMs = (error as { retryAfterMs?: number } | null)?.retryAfterMs;
        throw classifyUpstreamError(error, {
          system: options.system,
          ...(retryAfterMs === undefined ? {} : { retryAfterSeconds: Math.ceil(retryAfterMs / 1000) }),
        });
      }
    });

  return {
    request,
    async json<T>(req: UpstreamRequest, call: UpstreamCall): Promise<T> {
      return (await request<T>(req, call)).body;
    },
    resolve,
  };
}

async function readBody<T>(response: Response, request: UpstreamRequest): Promise<T> {
  const read = request.read ?? 'json';
  if (read === 'none' || response.status === 204 || request.method === 'HEAD') {
    await response.body?.cancel();
    return undefined as T;
  }
  if (read === 'text') return (await response.text()) as T;
  const text = await response.text();
  if (text === '') return undefined as T;
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new ToolError(
      'UPSTREAM_ERROR',
      `The upstream answered ${request.operation} with a body that is not JSON`,
      {
        hint: 'Try again; if it persists, report it to the platform team with the reference id.',
        cause,
      },
    );
  }
}
