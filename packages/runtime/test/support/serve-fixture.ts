/**
 * A real server process for lifecycle tests: `node --conditions=@mcp-platform/source serve-fixture.ts`.
 * SIGUSR2 opens the gate of the `gated` tool (so a test can hold a call in flight without timing).
 * The definition is loaded only when the server is built, so config-error runs start fast.
 */
import { runServer } from '../../src/run.ts';

process.on('SIGUSR2', () => void import('../fixtures.ts').then((f) => f.openGate()));
await runServer({
  name: 'acme',
  build: async () => ({ definition: (await import('../fixtures.ts')).acmeDefinition() }),
});
