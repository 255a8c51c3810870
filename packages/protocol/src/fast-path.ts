import { classifyInboundRequest } from '@modelcontextprotocol/server';
import type { ClientInfo } from './definitions.ts';
import type { Dispatcher } from './dispatcher.ts';
import { RpcError } from './errors.ts';
import { callContext, LEGACY_VERSIONS, MODERN_VERSION, type RequestInfo } from './request-info.ts';
import type { StatelessSession } from './stateless-sessions.ts';

/**
 * The fast path for hot, plain requests: the same dispatcher as the SDK path, without building an
 * SDK server, transport and web Request/Response per call. It serves only what it can answer
 * byte-for-byte like the SDK path (proved by the differential test) and declines everything else:
 * lifecycle methods, ladder rejections, progress-streaming calls, multi round-trip rounds and
 * approval-gated tools all go to the SDK.
 */

const HOT = new Set([
  'tools/list',
  'tools/call',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'prompts/list',
  'prompts/get',
  'ping',
]);
const CACHEABLE = new Set([
  'tools/list',
  'prompts/list',
  'resources/list',
  'resources/templates/list',
  'resources/read',
]);
const SERVER_INFO_KEY = 'io.modelcontextprotocol/serverInfo';

export interface FastRequest {
  headers: Record<string, string | string[] | undefined>;
  body: unknown;
  /** The verified 2025 session the request carries: what the client declared at `initialize`. */
  session?: StatelessSession | undefined;
}

/**
 * A 2025 client as the SDK path describes it (`clientOf` over a session-restored SDK server), so
 * both paths put the same client name, version and capabilities on the audit row.
 */
function legacyClient(version: string, session: StatelessSession | undefined): ClientInfo {
  const described = session?.clientInfo;
  return {
    era: '2025',
    protocolVersion: version,
    ...(described?.name === undefined ? {} : { name: described.name }),
    ...(described?.version === undefined ? {} : { version: described.version }),
    ...(session === undefined ? {} : { capabilities: session.capabilities }),
  };
}

export interface FastPlan {
  era: '2026' | '2025';
  id: string | number;
  method: string;
  params: Record<string, unknown> | undefined;
  client: ClientInfo;
}

function header(headers: FastRequest['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? undefined : value;
}

function acceptsBoth(accept: string | undefined): boolean {
  return (accept?.includes('application/json') && accept.includes('text/event-stream')) ?? false;
}

/** Decides whether the fast path can serve this request; `undefined` sends it to the SDK path. */
export function planFast(dispatcher: Dispatcher, req: FastRequest): FastPlan | undefined {
  const body = req.body as Record<string, unknown> | null;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const method = body.method;
  const id = body.id;
  if (typeof method !== 'string' || !HOT.has(method) || (typeof id !== 'string' && typeof id !== 'number')) {
    return undefined;
  }
  if (body.jsonrpc !== '2.0') return undefined;
  const params = body.params as Record<string, unknown> | undefined;
  if (params !== undefined && (typeof params !== 'object' || params === null || Array.isArray(params)))
    return undefined;
  const meta = params?._meta as Record<string, unknown> | undefined;
  // Progress-streaming calls and multi round-trip rounds are served by the SDK path.
  if (
    meta?.progressToken !== undefined ||
    params?.inputResponses !== undefined ||
    params?.requestState !== undefined
  ) {
    return undefined;
  }
  if (dispatcher.isInteractive(method, params?.name)) return undefined;
  if (method === 'tools/call') {
    const policy = typeof params?.name === 'string' ? dispatcher.toolPolicy(params.name) : undefined;
    if (policy === undefined || (policy.approval !== undefined && policy.approval !== 'none'))
      return undefined;
  }
  if (!acceptsBoth(header(req.headers, 'accept'))) return undefined;
  const version = header(req.headers, 'mcp-protocol-version');
  const mcpMethod = header(req.headers, 'mcp-method');
  const mcpName = header(req.headers, 'mcp-name');
  const outcome = classifyInboundRequest({
    httpMethod: 'POST',
    ...(version === undefined ? {} : { protocolVersionHeader: version }),
    ...(mcpMethod === undefined ? {} : { mcpMethodHeader: mcpMethod }),
    ...(mcpName === undefined ? {} : { mcpNameHeader: mcpName }),
    body,
  });
  if (outcome.kind === 'modern') {
    // 2026-07-28 has no ping: the SDK answers it with -32601.
    if (outcome.messageKind !== 'request' || version !== MODERN_VERSION || method === 'ping')
      return undefined;
    if (outcome.classification.revision !== MODERN_VERSION || mcpMethod !== method) return undefined;
    const named =
      method === 'tools/call' || method === 'prompts/get'
        ? params?.name
        : method === 'resources/read'
          ? params?.uri
          : undefined;
    if (named === undefined ? mcpName !== undefined : mcpName !== named) return undefined;
    const info = meta?.['io.modelcontextprotocol/clientInfo'] as
      | { name?: unknown; version?: unknown }
      | undefined;
    const capabilities = meta?.['io.modelcontextprotocol/clientCapabilities'];
    if (typeof capabilities !== 'object' || capabilities === null) return undefined;
    return {
      era: '2026',
      id,
      method,
      params,
      client: {
        era: '2026',
        protocolVersion: MODERN_VERSION,
        ...(typeof info?.name === 'string' ? { name: info.name } : {}),
        ...(typeof info?.version === 'string' ? { version: info.version } : {}),
        capabilities: capabilities as Record<string, unknown>,
      },
    };
  }
  if (outcome.kind === 'legacy' && outcome.reason === 'no-claim') {
    if (
      version === undefined ||
      !LEGACY_VERSIONS.includes(version) ||
      mcpMethod !== undefined ||
      mcpName !== undefined
    ) {
      return undefined;
    }
    return { era: '2025', id, method, params, client: legacyClient(version, req.session) };
  }
  return undefined;
}

export interface FastResponse {
  status: number;
  contentType: string;
  body: string;
}

/** Serves a planned request; the result is encoded exactly as the SDK encodes it for that era. */
export async function serveFast(
  dispatcher: Dispatcher,
  plan: FastPlan,
  info: RequestInfo,
  serverInfo: Record<string, unknown>,
): Promise<FastResponse> {
  let message: Record<string, unknown>;
  try {
    const result = await execute(dispatcher, plan, info);
    if (result.resultType === 'input_required') {
      // Only interactive definitions may ask for input, and those never take the fast path.
      throw new Error(`${plan.method} returned input_required but its definition is not marked interactive`);
    }
    message = {
      result: plan.era === '2026' ? encodeModern(plan.method, result, serverInfo) : result,
      jsonrpc: '2.0',
      id: plan.id,
    };
  } catch (error) {
    if (!(error instanceof RpcError)) throw error;
    message = {
      jsonrpc: '2.0',
      id: plan.id,
      error: {
        code: error.code,
        message: error.message,
        ...(error.data === undefined ? {} : { data: error.data }),
      },
    };
  }
  const json = JSON.stringify(message);
  return plan.era === '2026'
    ? { status: 200, contentType: 'application/json', body: json }
    : { status: 200, contentType: 'text/event-stream', body: `event: message\ndata: ${json}\n\n` };
}

async function execute(
  dispatcher: Dispatcher,
  plan: FastPlan,
  info: RequestInfo,
): Promise<Record<string, unknown>> {
  const { params } = plan;
  switch (plan.method) {
    case 'tools/list':
      return dispatcher.listTools(params, info.caller);
    case 'tools/call':
      return dispatcher.callTool(params, callContext(info, plan.client));
    case 'resources/list':
      return dispatcher.listResources(params, callContext(info, plan.client));
    case 'resources/templates/list':
      return dispatcher.listResourceTemplates(params, info.caller);
    case 'resources/read':
      return dispatcher.readResource(params, callContext(info, plan.client));
    case 'prompts/list':
      return dispatcher.listPrompts(params, info.caller);
    case 'prompts/get':
      return dispatcher.getPrompt(params, callContext(info, plan.client));
    default:
      return {};
  }
}

function encodeModern(
  method: string,
  result: Record<string, unknown>,
  serverInfo: Record<string, unknown>,
): Record<string, unknown> {
  const encoded: Record<string, unknown> = { ...result, resultType: 'complete' };
  if (CACHEABLE.has(method)) {
    if (encoded.ttlMs === undefined) encoded.ttlMs = 0;
    if (encoded.cacheScope === undefined) encoded.cacheScope = 'private';
  }
  const meta = result._meta as Record<string, unknown> | undefined;
  encoded._meta = meta?.[SERVER_INFO_KEY] === undefined ? { ...meta, [SERVER_INFO_KEY]: serverInfo } : meta;
  return encoded;
}
