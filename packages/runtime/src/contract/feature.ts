import type { FastifyReply } from 'fastify';
import type { RuntimeFeature } from '../feature.ts';
import { contractText } from './build.ts';
import {
  aiCatalog,
  type DiscoveryOptions,
  registryServerJson,
  SERVER_CARD_MEDIA_TYPE,
  serverCard,
} from './discovery.ts';
import { CONTRACT_PATH, type Contract, SERVER_JSON_PATH } from './model.ts';

/**
 * Serves what a reviewer pinned and what discovery needs, all from the one contract the server built
 * at start-up: the contract (with its catalog hash), the server card, the AI/MCP catalog and the
 * registry `server.json`. Public, read-only metadata: no auth, any origin may read it.
 */
export function contractFeature(contract: Contract, options: DiscoveryOptions): RuntimeFeature {
  const documents: Array<[string, string, string]> = [
    [CONTRACT_PATH, 'application/json', contractText(contract)],
    [`${options.mcpPath}/server-card`, SERVER_CARD_MEDIA_TYPE, JSON.stringify(serverCard(contract, options))],
    ['/.well-known/ai-catalog.json', 'application/json', JSON.stringify(aiCatalog(contract, options))],
    ['/.well-known/mcp/catalog.json', 'application/json', JSON.stringify(aiCatalog(contract, options))],
    [SERVER_JSON_PATH, 'application/json', JSON.stringify(registryServerJson(contract, options))],
  ];
  return {
    name: 'contract',
    register(app) {
      for (const [url, type, body] of documents) {
        app.get(url, { config: { public: true } }, async (_request, reply: FastifyReply) =>
          reply
            .header('content-type', `${type}; charset=utf-8`)
            .header('cache-control', 'public, max-age=300')
            .header('etag', `"${contract.catalogHash}"`)
            .header('access-control-allow-origin', '*')
            .send(body),
        );
      }
    },
  };
}
