import { fileURLToPath } from 'node:url';
import { type ServerProcess, startServerProcess } from '@mcp-platform/test-support';

const SCRIPT = fileURLToPath(new URL('./serve-fixture.ts', import.meta.url));

/**
 * serve-fixture.ts as a real process on a free port of 127.0.0.1, no auth, no Redis, info logs;
 * `env` goes over those. Resolves once it listens (see startServerProcess).
 */
export function serveFixture(env: Record<string, string>): Promise<ServerProcess> {
  return startServerProcess(
    SCRIPT,
    {
      ...process.env,
      AUTH_MODE: 'none',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      REDIS_URL: '',
      ...env,
    },
    30_000,
  );
}
