import type { FastifyInstance } from 'fastify';

export interface ProtectedResourceMetadataOptions {
  /** The resource identifier tokens are issued for (the audience). */
  resource: string;
  authorizationServers: readonly string[];
  scopesSupported: readonly string[];
  resourceName?: string;
  /** MCP endpoint path, e.g. `/mcp`; the metadata is served at `/.well-known/oauth-protected-resource/mcp` too. */
  mcpPath: string;
}

export function metadataPath(mcpPath: string): string {
  return `/.well-known/oauth-protected-resource${mcpPath}`;
}

/** RFC 9728 protected-resource metadata at the path-suffixed and the root well-known locations. */
export function registerProtectedResourceMetadata(
  app: FastifyInstance,
  options: ProtectedResourceMetadataOptions,
): void {
  const document = JSON.stringify({
    resource: options.resource,
    authorization_servers: options.authorizationServers,
    scopes_supported: options.scopesSupported,
    bearer_methods_supported: ['header'],
    ...(options.resourceName === undefined ? {} : { resource_name: options.resourceName }),
  });
  const handler = async (_request: unknown, reply: import('fastify').FastifyReply) =>
    reply
      .header('content-type', 'application/json')
      .header('cache-control', 'public, max-age=300')
      .send(document);
  for (const url of new Set([metadataPath(options.mcpPath), '/.well-known/oauth-protected-resource'])) {
    app.get(url, { config: { public: true } }, handler);
  }
}
