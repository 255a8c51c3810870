import { randomBytes } from 'node:crypto';
import { Dispatcher, mcpPlugin } from '@mcp-platform/protocol';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { fixtureDefinition, inputFlowInterceptor } from './fixtures/index.ts';

export interface FixtureServerOptions {
  /** Page size for the list methods (default: the package default). */
  pageSize?: number;
  /** Serve hot methods on the fast path (default true, as in production). */
  fastPath?: boolean;
  /** Largest accepted body in bytes. */
  maxBodyBytes?: number;
  /** HMAC key for `requestState` (default: random per process). */
  requestStateSecret?: string;
  logger?: FastifyServerOptions['logger'];
}

/**
 * The conformance fixture server: a Fastify app serving the fixtures the official suite calls,
 * built only from `@mcp-platform/protocol` (Dispatcher + mcpPlugin) and its public options.
 * Browser origins on loopback are allowed, any other origin is refused (DNS-rebinding check).
 */
export async function buildFixtureServer(options: FixtureServerOptions = {}): Promise<FastifyInstance> {
  const requestStateSecret = options.requestStateSecret ?? randomBytes(32).toString('base64url');
  const dispatcher = new Dispatcher(fixtureDefinition, {
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    interceptors: [inputFlowInterceptor(requestStateSecret)],
  });
  const app = Fastify({ logger: options.logger ?? false });
  await app.register(mcpPlugin, {
    dispatcher,
    requestStateSecret,
    allowedOrigins: ['loopback'],
    ...(options.fastPath === undefined ? {} : { fastPath: options.fastPath }),
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
  });
  return app;
}
