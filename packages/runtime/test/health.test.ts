import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReadinessCheck } from '../src/feature.ts';
import { registerHealthRoutes } from '../src/health.ts';
import { Lifecycle } from '../src/lifecycle.ts';

// The clock is injected: what counts as "fresh" is decided by the numbers below, never by how fast
// the machine happens to be.

interface Probe {
  status: number;
  body: { status: string; checks?: Record<string, ReadinessCheck> };
}

describe('/readyz result cache', () => {
  let app: FastifyInstance | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  function build(options: { cacheMs?: number; now?: () => number; check: () => Promise<ReadinessCheck> }) {
    const lifecycle = new Lifecycle();
    app = Fastify();
    registerHealthRoutes(app, {
      lifecycle,
      checks: [['backend', options.check]],
      ...(options.cacheMs === undefined ? {} : { cacheMs: options.cacheMs }),
      ...(options.now === undefined ? {} : { now: options.now }),
    });
    const instance = app;
    const probe = async (): Promise<Probe> => {
      const res = await instance.inject({ method: 'GET', url: '/readyz' });
      return { status: res.statusCode, body: res.json() };
    };
    return { probe, lifecycle };
  }

  it('cacheMs 0 runs the checks on every probe, so a change shows on the very next one', async () => {
    let up = true;
    let runs = 0;
    // A frozen clock: every probe happens "in the same millisecond".
    const { probe } = build({
      cacheMs: 0,
      now: () => 42,
      check: async () => {
        runs++;
        return up ? { ok: true } : { ok: false, detail: 'backend: connection refused' };
      },
    });
    expect((await probe()).status).toBe(200);
    up = false;
    const down = await probe();
    expect(down.status).toBe(503);
    expect(down.body).toEqual({
      status: 'unavailable',
      checks: { backend: { ok: false, detail: 'backend: connection refused' } },
    });
    up = true;
    expect((await probe()).status).toBe(200);
    expect(runs).toBe(3);
  });

  it('cacheMs 0 does not share a run between concurrent probes either', async () => {
    let runs = 0;
    const releases: Array<() => void> = [];
    const { probe } = build({
      cacheMs: 0,
      check: () =>
        new Promise<ReadinessCheck>((resolve) => {
          runs++;
          releases.push(() => resolve({ ok: true }));
        }),
    });
    const first = probe();
    const second = probe();
    await expect.poll(() => runs).toBe(2);
    for (const release of releases) release();
    expect((await first).status).toBe(200);
    expect((await second).status).toBe(200);
  });

  it('reuses a result for cacheMs counted from when its checks finished, then runs them again', async () => {
    let clock = 0;
    let runs = 0;
    let up = true;
    const { probe } = build({
      cacheMs: 1000,
      now: () => clock,
      check: async () => {
        runs++;
        clock += 500; // the check itself takes half a second
        return up ? { ok: true } : { ok: false, detail: 'backend: down' };
      },
    });
    expect((await probe()).status).toBe(200); // checks ran from 0 to 500: fresh until 1500
    expect(runs).toBe(1);
    up = false;
    clock = 1499;
    expect((await probe()).status).toBe(200); // still the cached result
    expect(runs).toBe(1);
    clock = 1500;
    const expired = await probe();
    expect(expired.status).toBe(503);
    expect(expired.body.checks).toEqual({ backend: { ok: false, detail: 'backend: down' } });
    expect(runs).toBe(2);
  });

  it('probes that arrive while the checks run share that run', async () => {
    let runs = 0;
    let release: (() => void) | undefined;
    const { probe } = build({
      cacheMs: 1000,
      now: () => 0,
      check: () =>
        new Promise<ReadinessCheck>((resolve) => {
          runs++;
          release = () => resolve({ ok: true });
        }),
    });
    const first = probe();
    await expect.poll(() => runs).toBe(1);
    const second = probe();
    const third = probe();
    release?.();
    expect((await Promise.all([first, second, third])).map((p) => p.status)).toEqual([200, 200, 200]);
    expect(runs).toBe(1);
  });

  it('a check that throws (even synchronously) fails readiness with its message', async () => {
    const { probe } = build({
      cacheMs: 0,
      check: () => {
        throw new Error('backend: bad configuration');
      },
    });
    expect(await probe()).toEqual({
      status: 503,
      body: {
        status: 'unavailable',
        checks: { backend: { ok: false, detail: 'backend: bad configuration' } },
      },
    });
  });

  it('answers 503 draining without running checks once the drain began; /healthz stays 200', async () => {
    let runs = 0;
    const { probe, lifecycle } = build({
      check: async () => {
        runs++;
        return { ok: true };
      },
    });
    lifecycle.beginDrain();
    expect(await probe()).toEqual({ status: 503, body: { status: 'draining' } });
    expect(runs).toBe(0);
    expect((await app!.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });
});
