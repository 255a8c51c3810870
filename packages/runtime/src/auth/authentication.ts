import { ANONYMOUS, type Caller, jsonRpcError, type ToolError } from '@mcp-platform/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RuntimeConfig } from '../config.ts';
import type { DeniedCall } from '../denied-audit.ts';
import { InvalidTokenError, JwksUnavailableError } from '../errors.ts';
import type { RuntimeFeature } from '../feature.ts';
import type { RuntimeMetrics } from '../observability/metrics.ts';
import { callerFromClaims, callerFromServiceToken } from './caller.ts';
import { bearerChallenge } from './challenge.ts';
import { createJwtVerifier, type JwtVerifier } from './jwt.ts';
import { metadataPath, registerProtectedResourceMetadata } from './metadata.ts';
import { hasAnyScope, requiredScopes } from './scopes.ts';
import { matchServiceToken } from './service-tokens.ts';

// `config.public` (reachable without credentials) is declared with the browser guard in @mcp-platform/protocol.

export interface AuthenticationOptions {
  config: RuntimeConfig;
  /** Prefix of the default scopes (`<prefix>:read`, `<prefix>:write`). */
  scopePrefix: string;
  /** Every scope the server's definitions can require (metadata `scopes_supported`; the AUTH_MODE=none caller). */
  scopesSupported: readonly string[];
  /**
   * Scopes named in the 401 challenge (`scope="…"`): what the server's read tools, resources and prompts
   * need, so a client asks for least privilege first and steps up on a 403 (default `<prefix>:read`).
   */
  challengeScopes?: readonly string[];
  resourceName?: string;
  /** MCP endpoint path (default `/mcp`). */
  mcpPath?: string;
  /** Paths carrying JSON-RPC calls whose scopes are checked before dispatch (default: the MCP path). */
  rpcPaths?: readonly string[];
  metrics?: RuntimeMetrics;
  /** Override the JWT verifier (tests); default: built from the config. */
  verifier?: JwtVerifier;
  /**
   * Told about every call refused with 403 before dispatch (the server audits them). A returned
   * error (RATE_LIMITED: the principal's budget of recorded refusals is spent) is answered instead.
   */
  onScopeDenied?: (denied: DeniedCall) => ToolError | undefined;
}

const CALL_METHODS = new Set(['tools/call', 'prompts/get', 'resources/read', 'completion/complete']);

/** A refusal decided before the body was read, sent once it is (so the JSON-RPC error can echo the id). */
interface PendingRefusal {
  status: number;
  message: string;
  challenge?: string;
}
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * OAuth 2.1 resource server: every non-public route needs a bearer credential (a JWT from the issuer
 * or a static service token); the verified principal becomes `request.caller`. The token itself is
 * dropped right here: it is never stored on the caller, logged, or forwarded to a backend.
 * Calls to a tool, prompt or resource the caller lacks the scope for are answered 403
 * `insufficient_scope` before dispatch, naming the scope to ask for.
 */
export function authenticationFeature(options: AuthenticationOptions): RuntimeFeature {
  const { config } = options;
  const mcpPath = options.mcpPath ?? '/mcp';
  const rpcPaths = new Set(options.rpcPaths ?? [mcpPath]);
  const resourceMetadata = `${config.PUBLIC_URL}${metadataPath(mcpPath)}`;
  const challengeScope = (options.challengeScopes ?? [`${options.scopePrefix}:read`]).join(' ');
  const mapping = {
    scopeClaim: config.OAUTH_SCOPE_CLAIM,
    roleClaim: config.OAUTH_ROLE_CLAIM,
    roleScopes: config.OAUTH_ROLE_SCOPES,
  };
  const rejections = options.metrics?.authRejections;
  const server = options.metrics?.server ?? options.scopePrefix;
  const verifier =
    config.AUTH_MODE === 'oauth'
      ? (options.verifier ??
        createJwtVerifier({
          issuer: config.OAUTH_ISSUER as string,
          audience: config.OAUTH_AUDIENCE,
          jwksUrl: config.OAUTH_JWKS_URL,
          algorithms: config.OAUTH_ALGORITHMS,
          clockToleranceSeconds: config.OAUTH_CLOCK_SKEW_SECONDS,
          cooldownMs: config.OAUTH_JWKS_COOLDOWN_MS,
          cacheTtlMs: config.OAUTH_TOKEN_CACHE_MS,
        }))
      : undefined;
  // AUTH_MODE=none is only ever loopback (loadConfig refuses anything else): the local caller may do everything.
  const localCaller: Caller = Object.freeze({
    ...ANONYMOUS,
    scopes: Object.freeze([...options.scopesSupported]),
  });

  const refuse = (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    message: string,
    challenge?: string,
  ) => {
    if (challenge !== undefined) reply.header('www-authenticate', challenge);
    const body = isRecord(request.body) ? request.body : undefined;
    const payload = rpcPaths.has(request.routeOptions.url ?? '')
      ? jsonRpcError(body?.id, -32001, message)
      : {
          error: status === 403 ? 'insufficient_scope' : status === 401 ? 'invalid_token' : 'unavailable',
          message,
        };
    return reply.code(status).send(payload);
  };

  const pending = new WeakMap<FastifyRequest, PendingRefusal>();

  // The verifier hands back the same claims object while a token is cached: build its Caller once.
  const callers = new WeakMap<object, Caller>();
  const serviceCallers = new Map(
    config.SERVICE_TOKENS.map((entry) => [entry, callerFromServiceToken(entry)]),
  );
  const authenticate = async (token: string): Promise<Caller> => {
    const service = matchServiceToken(token, config.SERVICE_TOKENS);
    if (service) return serviceCallers.get(service) as Caller;
    if (!verifier) throw new InvalidTokenError('Unknown token');
    const claims = await verifier.verify(token);
    let caller = callers.get(claims);
    if (!caller) {
      caller = callerFromClaims(claims, mapping);
      callers.set(claims, caller);
    }
    return caller;
  };

  return {
    name: 'authentication',
    register(app: FastifyInstance) {
      registerProtectedResourceMetadata(app, {
        resource: config.OAUTH_AUDIENCE,
        authorizationServers: config.OAUTH_ISSUER === undefined ? [] : [config.OAUTH_ISSUER],
        scopesSupported: options.scopesSupported,
        mcpPath,
        ...(options.resourceName === undefined ? {} : { resourceName: options.resourceName }),
      });

      // A JSON-RPC POST is refused once its body is parsed (preValidation), so the error echoes its id.
      const refuseOrDefer = (
        request: FastifyRequest,
        reply: FastifyReply,
        status: number,
        message: string,
        challenge?: string,
      ) => {
        if (request.method !== 'POST' || !rpcPaths.has(request.routeOptions.url ?? '')) {
          return refuse(request, reply, status, message, challenge);
        }
        pending.set(request, { status, message, ...(challenge === undefined ? {} : { challenge }) });
      };

      app.addHook('onRequest', async (request, reply) => {
        if (request.routeOptions.config?.public === true) return;
        if (config.AUTH_MODE === 'none') {
          request.caller = localCaller;
          return;
        }
        const header = request.headers.authorization;
        if (header === undefined) {
          rejections?.inc({ server, reason: 'missing' });
          return refuseOrDefer(
            request,
            reply,
            401,
            'Unauthorized: send an OAuth access token as Authorization: Bearer <token>',
            bearerChallenge({ resourceMetadata, scope: challengeScope }),
          );
        }
        const match = BEARER.exec(header);
        try {
          if (!match) throw new InvalidTokenError('Use the Authorization: Bearer <token> scheme');
          request.caller = await authenticate(match[1] as string);
        } catch (error) {
          if (error instanceof JwksUnavailableError) {
            rejections?.inc({ server, reason: 'jwks_unavailable' });
            request.log.error({ err: error }, 'cannot verify access tokens: issuer keys unavailable');
            reply.header('retry-after', '5');
            return refuseOrDefer(
              request,
              reply,
              503,
              'Service unavailable: access tokens cannot be verified right now; retry shortly',
            );
          }
          if (!(error instanceof InvalidTokenError)) throw error;
          rejections?.inc({ server, reason: 'invalid_token' });
          request.log.info({ reason: error.message }, 'rejected bearer credential');
          return refuseOrDefer(
            request,
            reply,
            401,
            `Unauthorized: ${error.message}`,
            bearerChallenge({
              resourceMetadata,
              error: 'invalid_token',
              description: error.message,
              scope: challengeScope,
            }),
          );
        }
      });

      // Body parsed (within the route's body limit): send the refusal decided in onRequest, with the id.
      app.addHook('preValidation', async (request, reply) => {
        const refusal = pending.get(request);
        if (refusal === undefined) return;
        pending.delete(request);
        return refuse(request, reply, refusal.status, refusal.message, refusal.challenge);
      });

      // Scope check before dispatch, so the client gets the standard step-up challenge (403 + scope).
      app.addHook('preHandler', async (request, reply) => {
        if (request.method !== 'POST' || !rpcPaths.has(request.routeOptions.url ?? '')) return;
        const body = request.body;
        if (!isRecord(body) || typeof body.method !== 'string' || !CALL_METHODS.has(body.method)) return;
        const dispatcher = request.server.mcpDispatcher;
        const target = dispatcher?.lookup(body.method, body.params);
        if (!target) return;
        const scopes = requiredScopes(target.kind, target.policy, target.annotations, options.scopePrefix);
        const caller = request.caller ?? ANONYMOUS;
        if (hasAnyScope(caller, scopes)) return;
        rejections?.inc({ server, reason: 'insufficient_scope' });
        const scope = scopes.join(' ');
        const requestable = scopes.filter((s) => !s.startsWith('role:'));
        request.log.info(
          { kind: target.kind, name: target.name, requiredScopes: scopes },
          'refused call: insufficient scope',
        );
        if (options.onScopeDenied) {
          const params = isRecord(body.params) ? body.params : {};
          const header = (name: string) => {
            const value = request.headers[name];
            return typeof value === 'string' ? value : undefined;
          };
          const limited = options.onScopeDenied({
            kind: target.kind,
            name: target.name,
            policy: target.policy,
            caller,
            requiredScopes: scopes,
            correlationId: request.id,
            traceparent: header('traceparent'),
            protocolVersion: header('mcp-protocol-version'),
            meta: isRecord(params._meta) ? params._meta : undefined,
            rawArgs:
              body.method === 'completion/complete'
                ? isRecord(params.argument)
                  ? params.argument
                  : {}
                : target.kind === 'resource'
                  ? {}
                  : isRecord(params.arguments)
                    ? params.arguments
                    : {},
          });
          if (limited) {
            const retryAfter = limited.details?.retryAfterSeconds;
            if (typeof retryAfter === 'number') reply.header('retry-after', String(retryAfter));
            return reply.code(429).send(jsonRpcError(body.id, -32001, limited.message, limited.toContent()));
          }
        }
        return refuse(
          request,
          reply,
          403,
          `Forbidden: ${target.kind} ${target.name} needs the scope ${scopes.length > 1 ? `(any of) ${scope}` : scope}`,
          bearerChallenge({
            resourceMetadata,
            error: 'insufficient_scope',
            description: `${target.kind} ${target.name} needs ${scope}`,
            // Only what a client can ask the IdP for: `role:` values come from the person's groups.
            scope: requestable.length > 0 ? requestable.join(' ') : scope,
          }),
        );
      });
    },
  };
}
