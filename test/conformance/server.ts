import { parseArgs } from 'node:util';
import { buildFixtureServer } from './fixture-server.ts';

/**
 * Runs the conformance fixture server: `node --conditions=@mcp-platform/source test/conformance/server.ts --port 3100`
 * (port 0 picks a free one; `--no-fast-path` serves every request through the SDK path). Prints `listening on <url>` once it accepts connections.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '3100' },
    host: { type: 'string', default: '127.0.0.1' },
    // Serve everything through the SDK path (to tell fast-path differences from SDK-path ones).
    'no-fast-path': { type: 'boolean', default: false },
  },
});
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`Invalid --port ${values.port}: pass a port number between 0 and 65535\n`);
  process.exit(2);
}

const app = await buildFixtureServer({
  logger: { level: process.env.LOG_LEVEL ?? 'warn' },
  fastPath: !values['no-fast-path'],
});
const url = await app.listen({ host: values.host, port });
process.stdout.write(`listening on ${url}/mcp\n`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => process.exit(0));
  });
}
