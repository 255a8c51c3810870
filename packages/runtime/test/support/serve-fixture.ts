/**
 * A real server process for lifecycle tests: `node --conditions=@mcp-platform/source serve-fixture.ts`.
 * With STUCK_BACKEND_URL set it also serves tools that call a backend that never answers.
 * SIGUSR2 opens the gate of the `gated` tool (so a test can hold a call in flight without timing).
 * The definition is loaded only when the server is built, so config-error runs start fast.
 */
import { runServer } from '../../src/run.ts';

process.on('SIGUSR2', () => void import('../fixtures.ts').then((f) => f.openGate()));
await runServer({
  name: 'acme',
  build: async () => ({
    definition:
      process.env.STUCK_BACKEND_URL === undefined
        ? (await import('../fixtures.ts')).acmeDefinition()
        : (await import('./stuck-backend.ts')).stuckDefinition(),
  }),
});
