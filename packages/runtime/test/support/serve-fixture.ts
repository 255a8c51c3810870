/**
 * A real server process for lifecycle tests: `node --conditions=@mcp-platform/source serve-fixture.ts`. SIGUSR2
 * opens the gate of the `gated` tool (so a test can hold a call in flight without timing).
 */
import { runServer } from '../../src/run.ts';
import { acmeDefinition, openGate } from '../fixtures.ts';

process.on('SIGUSR2', openGate);
await runServer({ name: 'acme', build: () => ({ definition: acmeDefinition() }) });
