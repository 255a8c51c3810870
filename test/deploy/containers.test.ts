import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  detectEngine,
  type Engine,
  engineOut,
  exec,
  freePort,
  jsonRpcResponse,
  serviceToken,
} from './engine.ts';
import { findTool, loudSkip, run, serverNames } from './tools.ts';

// Builds the image of every server with docker/build-all.sh, then runs each the way the chart
// does: read-only root filesystem, writable /tmp and audit spool only, non-root, all
// capabilities dropped, bound to 0.0.0.0 with OAuth on (a static service token stands in for
// an identity provider). Each must become ready, answer tools/list through the published port
// and exit 0 within the grace period after SIGTERM. Sizes and start-to-ready times are printed.

const SUITE = 'server images (test/deploy/containers.test.ts)';
// MCP_SMOKE_SERVERS=crm,itsm narrows the run while working on one server; CI runs them all.
const only = (process.env.MCP_SMOKE_SERVERS ?? '').split(',').filter(Boolean);
const SERVERS = serverNames().filter((name) => only.length === 0 || only.includes(name));
const detected = detectEngine();
// One tag per run: CI runs side by side on one machine (one image store) never test each other's images.
const VERSION = `smoke-${randomBytes(4).toString('hex')}`;
const READY_TIMEOUT_MS = 120_000;
/** SHUTDOWN_GRACE_MS given to the server, and the engine's stop timeout (its SIGKILL) above it. */
const SHUTDOWN_GRACE_MS = 5_000;
const STOP_TIMEOUT_S = 20;
const BUILD_TIMEOUT_MS = 20 * 60_000;
/** The clean-up's engine commands (rm, rmi, prune) one after another, each bounded below. */
const CLEANUP_TIMEOUT_MS = 15 * 60_000;
/** docker/build-all.sh's lock: builds hold it shared, the prune below exclusively. */
const IMAGE_LOCK = process.env.MCP_IMAGE_LOCK ?? join(tmpdir(), 'mcp-platform-images.lock');

// The migration check runs the image's `migrate` against the test PostgreSQL (scripts/env.sh).
const DATABASE_URL = process.env.DATABASE_URL;
const PSQL = findTool('PSQL_BIN', 'psql');
const migrateMissing = DATABASE_URL === undefined || DATABASE_URL === '' || PSQL === undefined;

if (detected.reason !== undefined) loudSkip(SUITE, detected.reason);
else if (migrateMissing) {
  loudSkip(
    `${SUITE} migrate`,
    'DATABASE_URL or psql missing: source scripts/env.sh after setup-toolchain.sh services',
  );
}

/** The settings every run shares with the chart's pods: OAuth on, a request-state key. */
function serverEnv(extra: readonly string[] = []): string[] {
  return [
    'AUTH_MODE=oauth',
    'OAUTH_ISSUER=https://issuer.invalid/realms/smoke',
    `REQUEST_STATE_SECRET=${randomBytes(48).toString('base64url')}`,
    ...extra,
  ].flatMap((entry) => ['--env', entry]);
}

/** What the chart's securityContext enforces, as engine flags. */
function hardened(engine: Engine): string[] {
  return [
    '--read-only',
    '--tmpfs',
    '/tmp:rw,mode=1777,size=64m',
    '--user',
    '10001:10001',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    ...(engine === 'podman' ? ['--health-interval', 'disable'] : []),
  ];
}

function psql(url: string, sql: string): void {
  const result = run(PSQL!, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', url, '-c', sql]);
  if (result.status !== 0) throw new Error(`psql ${sql}: ${result.stderr}`);
}
if (detected.engine !== undefined && SERVERS.length === 0)
  loudSkip(SUITE, 'no servers/*/package.json to build');

interface Row {
  server: string;
  buildSeconds?: number;
  sizeBytes?: number;
  readySeconds?: number;
  stopSeconds?: number;
  tools?: number;
}

describe.skipIf(detected.engine === undefined && detected.error === undefined)(SUITE, () => {
  const engine = detected.engine as Engine;
  const rows = new Map<string, Row>(SERVERS.map((server) => [server, { server }]));
  const builds = new Map<string, { ok: boolean; output: string }>();
  const containers = new Set<string>();

  beforeAll(async () => {
    if (detected.error !== undefined) return;
    // One server at a time: every build after the first reuses the shared layers.
    for (const server of SERVERS) {
      const started = Date.now();
      const result = await exec('bash', ['docker/build-all.sh', server], BUILD_TIMEOUT_MS, { VERSION });
      builds.set(server, { ok: result.code === 0, output: result.output });
      rows.get(server)!.buildSeconds = (Date.now() - started) / 1000;
    }
  }, BUILD_TIMEOUT_MS * Math.max(1, SERVERS.length));

  afterAll(async () => {
    for (const id of containers) await exec(engine, ['rm', '-f', '-v', id], 60_000).catch(() => undefined);
    // This run's tags go (the layers stay shared with the next build): the store does not grow per run.
    for (const server of SERVERS) {
      await exec(engine, ['rmi', `mcp-platform/${server}:${VERSION}`], 60_000).catch(() => undefined);
    }
    // Untagged leftovers of earlier runs (replaced images, build stages; ours only, older than
    // half an hour so a build running beside this one keeps its layers): the disk does not fill
    // run after run. Tagged images and the dependency download (build-all.sh tags it) stay.
    // Exclusively under docker/build-all.sh's lock: a build beside this one (the cluster suite's)
    // reuses cached layers however old they are, and must not lose one mid-build.
    for (const label of ['io.modelcontextprotocol.server', 'io.modelcontextprotocol.platform-build']) {
      const prune = ['image', 'prune', '--force', '--filter', `label=${label}`, '--filter', 'until=30m'];
      await exec('flock', ['-x', IMAGE_LOCK, engine, ...prune], 300_000).catch(() => undefined);
    }
    const mb = (bytes?: number) => (bytes === undefined ? '-' : `${(bytes / 1e6).toFixed(1)} MB`);
    const s = (seconds?: number) => (seconds === undefined ? '-' : `${seconds.toFixed(2)} s`);
    const lines = [...rows.values()].map(
      (r) =>
        `  ${r.server.padEnd(12)} image ${mb(r.sizeBytes).padStart(9)}   start-to-ready ${s(r.readySeconds).padStart(8)}` +
        `   stop ${s(r.stopSeconds).padStart(7)}   build ${s(r.buildSeconds).padStart(8)}   tools ${r.tools ?? '-'}`,
    );
    process.stderr.write(
      `container report (${engine}, mcp-platform/<server>:${VERSION}):\n${lines.join('\n')}\n`,
    );
    // Its own budget: every engine command above has its own timeout, and their sum on a loaded
    // machine (four servers: rm, rmi, two prunes) is far above the 60 s default for hooks.
  }, CLEANUP_TIMEOUT_MS);

  it('has a working container engine', () => {
    expect(detected.error).toBeUndefined();
  });

  it.each(SERVERS)(
    '%s: runs read-only as its non-root user, answers tools/list, exits 0 on SIGTERM',
    async (server) => {
      const build = builds.get(server);
      expect(build?.ok, `build of ${server} failed:\n${build?.output.slice(-6000)}`).toBe(true);
      const image = `mcp-platform/${server}:${VERSION}`;
      const row = rows.get(server)!;

      // The image itself: numeric non-root user, node as PID 1, a HEALTHCHECK, OCI labels.
      const config = JSON.parse(
        await engineOut(engine, ['image', 'inspect', image, '--format', '{{json .Config}}']),
      ) as {
        User: string;
        Cmd: string[];
        Entrypoint: string[] | null;
        Healthcheck?: { Test: string[] };
        Labels: Record<string, string>;
      };
      // podman shows the HEALTHCHECK beside the config, docker inside it.
      const healthcheck =
        engine === 'podman'
          ? (JSON.parse(
              await engineOut(engine, ['image', 'inspect', image, '--format', '{{json .HealthCheck}}']),
            ) as {
              Test: string[];
            } | null)
          : config.Healthcheck;
      expect(config.User).toMatch(/^[1-9][0-9]*(:[0-9]+)?$/);
      expect(config.Cmd).toEqual(['node', 'dist/main.js']);
      expect(config.Entrypoint ?? []).toEqual([]);
      expect(healthcheck?.Test.join(' ') ?? 'no HEALTHCHECK').toContain('/healthz');
      expect(config.Labels).toMatchObject({ 'org.opencontainers.image.version': VERSION });
      expect(config.Labels['org.opencontainers.image.revision']).toBeTruthy();
      expect(config.Labels['org.opencontainers.image.source']).toBeTruthy();
      row.sizeBytes = Number(await engineOut(engine, ['image', 'inspect', image, '--format', '{{.Size}}']));

      const port = await freePort();
      const { token, entry } = serviceToken('smoke', [`${server}:read`, `${server}:write`]);
      const args = [
        'run',
        '--detach',
        '--name',
        `mcp-smoke-${server}-${randomBytes(3).toString('hex')}`,
        ...hardened(engine),
        // No DATABASE_URL here: servers then run their demo backend on embedded PostgreSQL under
        // ./.data (the repository's local-data convention), which gets a tmpfs like /tmp.
        '--tmpfs',
        '/app/.data:rw,mode=1777,size=512m',
        '--publish',
        `127.0.0.1:${port}:8080`,
        ...serverEnv([
          `PUBLIC_URL=http://127.0.0.1:${port}`,
          `SERVICE_TOKENS=${entry}`,
          `SHUTDOWN_GRACE_MS=${SHUTDOWN_GRACE_MS}`,
        ]),
        image,
      ];
      const started = Date.now();
      const id = (await engineOut(engine, args)).split('\n').pop()!.trim();
      containers.add(id);
      const logs = async () => (await exec(engine, ['logs', '--tail', '60', id], 30_000)).output;

      let ready = false;
      while (!ready && Date.now() - started < READY_TIMEOUT_MS) {
        const state = await engineOut(engine, ['inspect', id, '--format', '{{.State.Status}}']);
        if (state !== 'running')
          throw new Error(`${server} container is ${state} before ready:\n${await logs()}`);
        ready = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
          (r) => r.status === 200,
          () => false,
        );
        if (!ready) await sleep(100);
      }
      expect(ready, `${server} not ready within ${READY_TIMEOUT_MS} ms:\n${await logs()}`).toBe(true);
      row.readySeconds = (Date.now() - started) / 1000;

      const response = await fetch(`http://127.0.0.1:${port}/mcp`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-11-25',
          authorization: `Bearer ${token}`,
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list', params: {} }),
        signal: AbortSignal.timeout(15_000),
      });
      const body = await response.text();
      expect(response.status, `tools/list: ${body}\n${await logs()}`).toBe(200);
      const answer = jsonRpcResponse(response.headers.get('content-type') ?? '', body, 1);
      const tools = (answer?.result as { tools?: { name: string }[] } | undefined)?.tools;
      expect(Array.isArray(tools), `tools/list answered ${body}`).toBe(true);
      expect(tools!.length).toBeGreaterThan(0);
      row.tools = tools!.length;

      // SIGTERM (the engine's stop), then SIGKILL only after STOP_TIMEOUT_S: a clean exit is 0.
      const stopping = Date.now();
      await engineOut(engine, ['stop', '--time', String(STOP_TIMEOUT_S), id], (STOP_TIMEOUT_S + 30) * 1000);
      row.stopSeconds = (Date.now() - stopping) / 1000;
      const state = JSON.parse(await engineOut(engine, ['inspect', id, '--format', '{{json .State}}'])) as {
        ExitCode: number;
        OOMKilled?: boolean;
      };
      expect(state.ExitCode, `exit code after SIGTERM:\n${await logs()}`).toBe(0);
      expect(row.stopSeconds).toBeLessThan(STOP_TIMEOUT_S);
      await engineOut(engine, ['rm', '-v', id]);
      containers.delete(id);
    },
    READY_TIMEOUT_MS + (STOP_TIMEOUT_S + 90) * 1000,
  );

  it.skipIf(migrateMissing).each(SERVERS)(
    "%s: `node dist/main.js migrate` (the chart's hook Job) applies its schema to PostgreSQL, twice",
    async (server) => {
      const build = builds.get(server);
      expect(build?.ok, `build of ${server} failed`).toBe(true);
      // Unique per run: two CI runs on one PostgreSQL never drop each other's database.
      const database = `mcp_smoke_${server.replaceAll('-', '_')}_${randomBytes(4).toString('hex')}`;
      const url = new URL(DATABASE_URL!);
      url.pathname = `/${database}`;
      psql(DATABASE_URL!, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      psql(DATABASE_URL!, `CREATE DATABASE ${database}`);
      try {
        // Host network: the test PostgreSQL listens on loopback only.
        const args = [
          'run',
          '--rm',
          '--network',
          'host',
          ...hardened(engine),
          ...serverEnv([`DATABASE_URL=${url.href}`, 'PUBLIC_URL=https://smoke.invalid']),
          `mcp-platform/${server}:${VERSION}`,
          'node',
          'dist/main.js',
          'migrate',
        ];
        for (const attempt of ['first', 'second (idempotent)']) {
          const result = await exec(engine, args, 180_000);
          expect(result.code, `${attempt} migrate of ${server}:\n${result.output.slice(-4000)}`).toBe(0);
        }
      } finally {
        psql(DATABASE_URL!, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      }
    },
    400_000,
  );
});
