import { canonicalJson } from '../audit/canonical-json.ts';
import { catalogHashOf, contentHash } from './build.ts';
import { type ContractVerdict, judge } from './check.ts';
import { CATALOG_HASH_META_KEY, CONTRACT_PATH, type Contract } from './model.ts';

export interface VerifyOptions {
  /** The server's MCP endpoint URL, e.g. `https://crm-mcp.example.com/mcp`. */
  url: string;
  /** The pinned catalog hash (`sha256:…`). */
  expectHash?: string | undefined;
  /** The pinned contract (its recomputed hash is the expectation; differences are classified). */
  pinned?: Contract | undefined;
  /** Bearer token for tools/list (the list is filtered to what this caller may call). */
  token?: string | undefined;
  fetch?: typeof fetch;
}

export interface VerifyResult {
  ok: boolean;
  expected: string;
  /** The hash the server's contract document claims, and the one recomputed from its entries. */
  servedHash: string | undefined;
  /** The hash in tools/list `_meta`. */
  listHash: string | undefined;
  problems: string[];
  /** Tools in the served contract this caller does not see in tools/list (per-caller filtering). */
  notVisible: string[];
  /** With a pinned contract: the classified differences to what is served. */
  verdict?: ContractVerdict;
}

const DESCRIPTOR_FIELDS = [
  'name',
  'title',
  'description',
  'inputSchema',
  'outputSchema',
  'annotations',
] as const;

/** Recomputes every entry hash and the catalog hash from a contract's content (never trusts the claims). */
export function recomputeHash(contract: Contract): { hash: string; tampered: string[] } {
  const tampered: string[] = [];
  const rehash = <T extends { hash: string }>(entries: readonly T[], key: (e: T) => string): T[] =>
    entries.map((entry) => {
      const { hash, ...content } = entry;
      const actual = contentHash(content);
      if (actual !== hash) tampered.push(key(entry));
      return { ...entry, hash: actual };
    });
  const hash = catalogHashOf({
    server: contract.server,
    tools: rehash(contract.tools, (t) => `tool ${t.name}`),
    resources: rehash(contract.resources, (r) => `resource ${r.uri}`),
    resourceTemplates: rehash(contract.resourceTemplates, (r) => `resource template ${r.uriTemplate}`),
    prompts: rehash(contract.prompts, (p) => `prompt ${p.name}`),
  });
  return { hash, tampered };
}

async function listTools(
  endpoint: string,
  token: string | undefined,
  doFetch: typeof fetch,
): Promise<{ tools: Array<Record<string, unknown>>; hashes: Set<string> }> {
  const tools: Array<Record<string, unknown>> = [];
  const hashes = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < 100; page++) {
    const response = await doFetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'tools/list',
        ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: page + 1,
        method: 'tools/list',
        params: {
          ...(cursor === undefined ? {} : { cursor }),
          _meta: {
            'io.modelcontextprotocol/protocolVersion': '2026-07-28',
            'io.modelcontextprotocol/clientCapabilities': {},
            'io.modelcontextprotocol/clientInfo': { name: 'mcp-platform-contracts-verify', version: '1.0.0' },
          },
        },
      }),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`tools/list answered HTTP ${response.status}: ${text.slice(0, 200)}`);
    const json = (response.headers.get('content-type') ?? '').startsWith('text/event-stream')
      ? text
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => JSON.parse(line.slice(6)) as Record<string, unknown>)
          .find((m) => 'result' in m || 'error' in m)
      : (JSON.parse(text) as Record<string, unknown>);
    const result = json?.result as Record<string, unknown> | undefined;
    if (!result) throw new Error(`tools/list failed: ${JSON.stringify(json?.error ?? json).slice(0, 200)}`);
    tools.push(...((result.tools as Array<Record<string, unknown>>) ?? []));
    const hash = (result._meta as Record<string, unknown> | undefined)?.[CATALOG_HASH_META_KEY];
    hashes.add(typeof hash === 'string' ? hash : '(none)');
    cursor = typeof result.nextCursor === 'string' ? result.nextCursor : undefined;
    if (cursor === undefined) break;
  }
  return { tools, hashes };
}

/**
 * Whether a running server still serves the reviewed catalog: its contract document (every hash
 * recomputed), the hash tools/list carries, and every tool tools/list shows this caller compared
 * field by field with the contract.
 */
export async function verifyServer(options: VerifyOptions): Promise<VerifyResult> {
  const doFetch = options.fetch ?? fetch;
  const problems: string[] = [];
  let expected = options.expectHash;
  if (options.pinned) {
    const pinned = recomputeHash(options.pinned);
    if (pinned.tampered.length > 0 || pinned.hash !== options.pinned.catalogHash) {
      problems.push(
        `the pinned contract file does not match its own hashes (${pinned.tampered.join(', ') || 'catalog hash'})`,
      );
    }
    if (expected !== undefined && expected !== pinned.hash) {
      problems.push(`--expect ${expected} differs from the pinned contract's hash ${pinned.hash}`);
    }
    expected ??= pinned.hash;
  }
  if (expected === undefined) throw new Error('verify needs --expect <hash> or --contract <file>');

  const endpoint = new URL(options.url);
  const contractUrl = new URL(CONTRACT_PATH, endpoint);
  const response = await doFetch(contractUrl, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`GET ${contractUrl.href} answered HTTP ${response.status}`);
  const served = (await response.json()) as Contract;
  const recomputed = recomputeHash(served);
  if (recomputed.tampered.length > 0 || recomputed.hash !== served.catalogHash) {
    problems.push(
      `the served contract does not match its own hashes (claims ${served.catalogHash}, content hashes to ${recomputed.hash})`,
    );
  }
  if (recomputed.hash !== expected) {
    problems.push(`the served catalog is ${recomputed.hash}, the pinned one is ${expected}`);
  }

  const listed = await listTools(endpoint.href, options.token, doFetch);
  const listHash = listed.hashes.size === 1 ? [...listed.hashes][0] : [...listed.hashes].join(',');
  if (listHash !== expected)
    problems.push(`tools/list carries catalog hash ${listHash}, the pinned one is ${expected}`);
  for (const tool of listed.tools) {
    const entry = served.tools.find((t) => t.name === tool.name) as Record<string, unknown> | undefined;
    if (!entry) {
      problems.push(`tools/list shows tool ${String(tool.name)}, which the contract does not have`);
      continue;
    }
    for (const field of DESCRIPTOR_FIELDS) {
      if (canonicalJson(tool[field]) !== canonicalJson(entry[field])) {
        problems.push(`tools/list shows tool ${String(tool.name)} with a ${field} other than the contract's`);
      }
    }
  }
  const notVisible = served.tools.map((t) => t.name).filter((n) => !listed.tools.some((t) => t.name === n));
  return {
    ok: problems.length === 0,
    expected,
    servedHash: recomputed.hash,
    listHash,
    problems,
    notVisible,
    ...(options.pinned ? { verdict: judge(options.pinned, served) } : {}),
  };
}
