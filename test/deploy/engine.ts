import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { ROOT } from './tools.ts';

// The container engine as the smoke test drives it: podman (rootful, set up by
// shared/tools/container-sandbox.sh) or docker, whichever CONTAINER_ENGINE names or answers.

export type Engine = 'podman' | 'docker';

function answers(engine: string): boolean {
  const probe = spawnSync(engine, ['info'], { stdio: 'ignore', timeout: 20_000 });
  return probe.status === 0;
}

/**
 * The engine to use, or why there is none. CONTAINER_ENGINE set means "this machine has one":
 * an engine that then does not answer is an error, not a skip.
 */
export function detectEngine(): { engine?: Engine; reason?: string; error?: string } {
  // scripts/env.sh sets CONTAINER_TESTS=skip-<why> when the machine has no container runtime.
  const switchedOff = process.env.CONTAINER_TESTS;
  if (switchedOff?.startsWith('skip')) return { reason: `CONTAINER_TESTS=${switchedOff}` };
  const wanted = process.env.CONTAINER_ENGINE;
  if (wanted !== undefined && wanted !== '') {
    if (wanted !== 'podman' && wanted !== 'docker')
      return { error: `CONTAINER_ENGINE=${wanted}: use podman or docker` };
    if (!answers(wanted)) return { error: `CONTAINER_ENGINE=${wanted} but '${wanted} info' fails` };
    return { engine: wanted };
  }
  for (const engine of ['podman', 'docker'] as const) if (answers(engine)) return { engine };
  return {
    reason:
      'CONTAINER_ENGINE is unset and neither podman nor docker answers (CI: container-sandbox.sh setup)',
  };
}

export interface Exec {
  code: number | null;
  output: string;
}

/** Runs a command without blocking the event loop; output is stdout+stderr, last 64 KiB. */
export function exec(
  command: string,
  args: readonly string[],
  timeoutMs: number,
  env: Record<string, string> = {},
): Promise<Exec> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...env },
    });
    let output = '';
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString('utf8')).slice(-65_536);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

export async function engineOut(
  engine: Engine,
  args: readonly string[],
  timeoutMs = 60_000,
): Promise<string> {
  const result = await exec(engine, args, timeoutMs);
  if (result.code !== 0)
    throw new Error(`${engine} ${args.join(' ')} failed (${result.code}): ${result.output}`);
  return result.output.trim();
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** A static service token and its SERVICE_TOKENS entry (`name:sha256hex:scopes`). */
export function serviceToken(name: string, scopes: readonly string[]): { token: string; entry: string } {
  const token = randomBytes(32).toString('base64url');
  const hash = createHash('sha256').update(token, 'utf8').digest('hex');
  return { token, entry: `${name}:${hash}:${scopes.join(' ')}` };
}

/** The JSON-RPC response with `id` from a JSON or an SSE (text/event-stream) body. */
export function jsonRpcResponse(
  contentType: string,
  body: string,
  id: number,
): Record<string, unknown> | undefined {
  const messages: unknown[] = [];
  if (contentType.includes('text/event-stream')) {
    for (const event of body.split(/\r?\n\r?\n/)) {
      const data = event
        .split(/\r?\n/)
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).trimStart())
        .join('\n');
      if (data !== '') messages.push(JSON.parse(data));
    }
  } else {
    messages.push(JSON.parse(body));
  }
  return messages.find(
    (m): m is Record<string, unknown> => typeof m === 'object' && m !== null && 'id' in m && m.id === id,
  );
}
