/**
 * Starts one benchmark target on the port given in argv: `protocol` (a server built from the
 * protocol package), `sdk-naive` (the SDK v2 createMcpHandler with an McpServer built per request,
 * mounted on Fastify) or `floor` (a bare Fastify route answering the same JSON-RPC result).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Dispatcher, mcpPlugin } from '@mcp-platform/protocol';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import Fastify, { type FastifyInstance } from 'fastify';
import { ECHO_INPUT, ECHO_OUTPUT, echoTool, expectedResult, SERVER_INFO } from './tool.ts';

const [kind, portArg] = process.argv.slice(2);
const port = Number(portArg);

async function protocolTarget(): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  await app.register(mcpPlugin, {
    dispatcher: new Dispatcher({ ...SERVER_INFO, tools: [echoTool] }),
    requestStateSecret: 'bench-request-state-secret-0123456789',
  });
  return app;
}

async function sdkNaiveTarget(): Promise<FastifyInstance> {
  const handler = createMcpHandler(() => {
    const server = new McpServer(SERVER_INFO);
    server.registerTool(
      'echo',
      {
        description: 'Echoes text back with its length.',
        inputSchema: ECHO_INPUT,
        outputSchema: ECHO_OUTPUT,
      },
      async ({ text }) => {
        const structured = { text, length: text.length };
        return {
          content: [{ type: 'text', text: JSON.stringify(structured) }],
          structuredContent: structured,
        };
      },
    );
    return server;
  });
  const node = toNodeHandler(handler);
  const app = Fastify({ logger: false });
  app.post('/mcp', async (request, reply) => {
    reply.hijack();
    await node(request.raw, reply.raw, request.body);
  });
  return app;
}

async function floorTarget(): Promise<FastifyInstance> {
  const app = Fastify({ logger: false });
  app.post('/mcp', async (request, reply) => {
    const body = request.body as { id: number; params: { arguments: { text: string } } };
    return reply
      .header('content-type', 'application/json')
      .send(
        JSON.stringify({ result: expectedResult(body.params.arguments.text), jsonrpc: '2.0', id: body.id }),
      );
  });
  return app;
}

/** The protocol target plus the full production stack: JWT auth, rate limits, audit, metrics. */
async function fullStackTarget(env: Record<string, string> = {}): Promise<Ready> {
  const { startFullStack } = await import('@mcp-platform/runtime/testing');
  const stack = await startFullStack({
    definition: { ...SERVER_INFO, tools: [echoTool] },
    databaseUrl: process.env.DATABASE_URL,
    redisUrl: process.env.REDIS_URL,
    env,
  });
  const token = await stack.token();
  process.on('SIGTERM', () => void stack.close().then(() => process.exit(0)));
  return {
    url: `${stack.url}/mcp`,
    headers: { authorization: `Bearer ${token}` },
    notes: [
      'JWT (ES256/RS256 via JWKS)',
      process.env.REDIS_URL ? 'rate limit in Redis' : 'rate limit per process (no REDIS_URL)',
      process.env.DATABASE_URL ? 'audit to PostgreSQL' : 'audit OFF (no DATABASE_URL)',
      'metrics',
    ],
  };
}

/**
 * full-stack with OpenTelemetry export on: every call a SERVER span (always sampled), batched over
 * OTLP/HTTP to a sink in this same process, so the exporter's whole cost counts as server CPU.
 */
async function fullStackOtelTarget(): Promise<Ready> {
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const ready = await fullStackTarget({
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `http://127.0.0.1:${(sink.address() as AddressInfo).port}/v1/traces`,
    OTEL_TRACES_SAMPLER: 'always_on',
  });
  return {
    ...ready,
    notes: [...(ready.notes ?? []), 'OpenTelemetry export ON (every call, local OTLP sink)'],
  };
}

interface Ready {
  url: string;
  headers?: Record<string, string>;
  notes?: string[];
}

async function listening(app: FastifyInstance): Promise<Ready> {
  await app.listen({ host: '127.0.0.1', port });
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
  return { url: `http://127.0.0.1:${port}/mcp` };
}

const builders: Record<string, () => Promise<Ready>> = {
  protocol: async () => listening(await protocolTarget()),
  'sdk-naive': async () => listening(await sdkNaiveTarget()),
  floor: async () => listening(await floorTarget()),
  'full-stack': () => fullStackTarget(),
  'full-stack-otel': fullStackOtelTarget,
};
const build = kind === undefined ? undefined : builders[kind];
if (!build || !Number.isInteger(port)) {
  process.stderr.write(`usage: serve.ts <${Object.keys(builders).join('|')}> <port>\n`);
  process.exit(2);
}
const ready = await build();
process.stdout.write(`ready ${JSON.stringify(ready)}\n`);
