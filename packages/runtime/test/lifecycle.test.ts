import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { RuntimeFeature } from '../src/feature.ts';
import type { RuntimeServer } from '../src/server.ts';
import { handled, openGate } from './fixtures.ts';
import { resultOf, rpc, testServer } from './helpers.ts';
import { waitFor } from './support/throwaway-redis.ts';

function recorder(closed: string[]): RuntimeFeature[] {
  const feature = (name: string, stage?: RuntimeFeature['stage']): RuntimeFeature => ({
    name,
    ...(stage === undefined ? {} : { stage }),
    close: async () => {
      closed.push(name);
    },
  });
  return [
    feature('audit'),
    feature('domain-backend'),
    feature('approvals'),
    feature('extra-observer', 'observe'),
  ];
}

describe('health and readiness', () => {
  let server: RuntimeServer | undefined;
  afterEach(async () => {
    await server?.app.close();
    server = undefined;
  });

  it('reports every check, and 503 with the failing detail', async () => {
    let backendUp = true;
    server = await testServer(
      {},
      {
        readyTimeoutMs: 200,
        backendChecks: {
          crm: async () => (backendUp ? { ok: true } : { ok: false, detail: 'crm: connection refused' }),
          slow: () => new Promise(() => {}),
        },
      },
    );
    const res = await server.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      status: 'unavailable',
      checks: { crm: { ok: true }, slow: { ok: false, detail: 'no answer within 200 ms' } },
    });
    await server.app.close();

    server = await testServer(
      {},
      {
        readyCacheMs: 0,
        backendChecks: {
          crm: async () => (backendUp ? { ok: true } : { ok: false, detail: 'crm: connection refused' }),
        },
      },
    );
    expect((await server.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    backendUp = false;
    const down = await server.app.inject({ method: 'GET', url: '/readyz' });
    expect(down.statusCode).toBe(503);
    expect(down.json().checks.crm).toEqual({ ok: false, detail: 'crm: connection refused' });
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
  });
});

describe('graceful shutdown (driven in-process)', () => {
  it('drains: readiness 503 and new calls refused at once, in-flight calls finish, then features close in order', async () => {
    const closed: string[] = [];
    const server = await testServer({}, { features: recorder(closed) });
    handled.length = 0;
    const inflight = rpc(server.app, 'tools/call', { name: 'gated', arguments: {} });
    await waitFor(() => handled.includes('gated'), 'the gated call to start');

    const stopped = server.shutdown(30_000);
    expect(server.lifecycle.isDraining).toBe(true);
    expect((await server.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({
      status: 'draining',
    });
    expect((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const refused = await rpc(server.app, 'tools/call', {
      name: 'search_accounts',
      arguments: { query: 'late' },
    });
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toBe('1');
    expect(refused.body).toMatchObject({
      jsonrpc: '2.0',
      error: { code: -32000, data: { retryAfterSeconds: 1 } },
    });
    expect(String((refused.body.error as { message: string }).message)).toMatch(/shutting down; retry/);
    expect(handled).toEqual(['gated']);
    expect(closed).toEqual([]);

    openGate();
    const done = await inflight;
    expect(resultOf(done.body).content).toEqual([{ type: 'text', text: 'gate opened' }]);
    await stopped;
    // Innermost stage first, the audit trail last (it records what the others did while closing).
    expect(closed).toEqual(['domain-backend', 'approvals', 'extra-observer', 'audit']);
  });

  it('aborts calls still running when the grace period ends; they answer UNAVAILABLE', async () => {
    const server = await testServer();
    handled.length = 0;
    const inflight = rpc(server.app, 'tools/call', { name: 'gated', arguments: {} });
    await waitFor(() => handled.includes('gated'), 'the gated call to start');
    await server.shutdown(50);
    const res = await inflight;
    expect(resultOf(res.body)).toMatchObject({
      isError: true,
      structuredContent: { code: 'UNAVAILABLE', retryable: true },
    });
  });
});

describe('graceful shutdown of a real process on SIGTERM', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('finishes the in-flight call, refuses new ones, exits 0', async () => {
    const script = fileURLToPath(new URL('./support/serve-fixture.ts', import.meta.url));
    child = spawn(process.execPath, ['--conditions=@mcp-platform/source', script], {
      env: {
        ...process.env,
        AUTH_MODE: 'none',
        HOST: '127.0.0.1',
        PORT: '0',
        LOG_LEVEL: 'info',
        AUDIT_ENABLED: 'false',
        REDIS_URL: '',
        DATABASE_URL: '',
        SHUTDOWN_GRACE_MS: '30000',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Array<Record<string, unknown>> = [];
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        lines.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        stderr += `${line}\n`;
      }
    });
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    await waitFor(
      () => lines.some((l) => l.msg === 'MCP server listening'),
      `the server to listen (stderr: ${stderr})`,
      20_000,
    );
    const url = String(lines.find((l) => l.msg === 'MCP server listening')?.url);
    const post = (name: string, args: Record<string, unknown>) =>
      fetch(`${url}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'tools/call',
          params: { name, arguments: args },
        }),
      });

    const inflight = post('gated', {});
    const inflightGauge = async () => {
      const text = await (await fetch(`${url}/metrics`)).text();
      return /^mcp_inflight_calls\{server="acme"\} 1$/m.test(text);
    };
    await waitFor(inflightGauge, 'the gated call to be in flight');
    child.kill('SIGTERM');
    await waitFor(() => lines.some((l) => String(l.msg).startsWith('draining')), 'the drain to start');

    expect((await fetch(`${url}/readyz`)).status).toBe(503);
    const refused = await post('search_accounts', { query: 'late' });
    expect(refused.status).toBe(503);
    expect(refused.headers.get('retry-after')).toBe('1');

    child.kill('SIGUSR2'); // opens the gate
    const response = await inflight;
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('gate opened');
    expect(await exited).toBe(0);
    expect(lines.some((l) => l.msg === 'server closed')).toBe(true);
  });
});
