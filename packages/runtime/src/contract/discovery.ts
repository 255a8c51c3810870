import { LEGACY_VERSIONS, MODERN_VERSION } from '@mcp-platform/protocol';
import { CATALOG_HASH_META_KEY, CONTRACT_PATH, type Contract } from './model.ts';

/** Reverse-DNS namespace of the platform's server names in cards and registry entries. */
export const SERVER_NAMESPACE = 'io.mcp-platform';

export const SERVER_CARD_SCHEMA = 'https://static.modelcontextprotocol.io/schemas/v2/server-card.schema.json';
export const SERVER_CARD_MEDIA_TYPE = 'application/mcp-server-card+json';
export const REGISTRY_SERVER_SCHEMA =
  'https://static.modelcontextprotocol.io/schemas/2025-12-11/server.schema.json';

export interface DiscoveryOptions {
  /** Externally visible base URL, e.g. `https://crm-mcp.example.com`. */
  publicUrl: string;
  /** MCP endpoint path, e.g. `/mcp`. */
  mcpPath: string;
  /** The 2024-11-05 SSE endpoint path when served. */
  ssePath?: string | undefined;
}

function shortDescription(contract: Contract): string {
  const text = contract.server.description ?? contract.server.title ?? `${contract.server.name} MCP server`;
  return text.length <= 100 ? text : `${text.slice(0, 99)}…`;
}

function remotes(options: DiscoveryOptions, withVersions: boolean): Array<Record<string, unknown>> {
  const base = options.publicUrl.replace(/\/+$/, '');
  return [
    {
      type: 'streamable-http',
      url: `${base}${options.mcpPath}`,
      ...(withVersions ? { supportedProtocolVersions: [MODERN_VERSION, ...LEGACY_VERSIONS] } : {}),
    },
    ...(options.ssePath === undefined
      ? []
      : [
          {
            type: 'sse',
            url: `${base}${options.ssePath}`,
            ...(withVersions ? { supportedProtocolVersions: ['2024-11-05'] } : {}),
          },
        ]),
  ];
}

function pinning(contract: Contract, options: DiscoveryOptions): Record<string, unknown> {
  return {
    [CATALOG_HASH_META_KEY]: contract.catalogHash,
    'io.mcp-platform/contract': `${options.publicUrl.replace(/\/+$/, '')}${CONTRACT_PATH}`,
  };
}

/** The MCP server card (SEP-2127, `GET <mcp-url>/server-card`): identity and remotes, no tool lists. */
export function serverCard(contract: Contract, options: DiscoveryOptions): Record<string, unknown> {
  return {
    $schema: SERVER_CARD_SCHEMA,
    name: `${SERVER_NAMESPACE}/${contract.server.name}`,
    version: contract.server.version,
    description: shortDescription(contract),
    ...(contract.server.title === undefined ? {} : { title: contract.server.title }),
    remotes: remotes(options, true),
    _meta: pinning(contract, options),
  };
}

/** The server's entry for the official MCP Registry (`server.json`, schema 2025-12-11). */
export function registryServerJson(contract: Contract, options: DiscoveryOptions): Record<string, unknown> {
  return {
    $schema: REGISTRY_SERVER_SCHEMA,
    name: `${SERVER_NAMESPACE}/${contract.server.name}`,
    description: shortDescription(contract),
    ...(contract.server.title === undefined ? {} : { title: contract.server.title }),
    version: contract.server.version,
    remotes: remotes(options, false),
    _meta: { 'io.modelcontextprotocol.registry/publisher-provided': pinning(contract, options) },
  };
}

/** `/.well-known/ai-catalog.json` (and the MCP catalog): one entry pointing at this server's card. */
export function aiCatalog(contract: Contract, options: DiscoveryOptions): Record<string, unknown> {
  const base = options.publicUrl.replace(/\/+$/, '');
  return {
    specVersion: 'draft',
    entries: [
      {
        identifier: `urn:air:${new URL(base).hostname}:${contract.server.name}`,
        displayName: contract.server.title ?? contract.server.name,
        type: SERVER_CARD_MEDIA_TYPE,
        url: `${base}${options.mcpPath}/server-card`,
      },
    ],
  };
}
