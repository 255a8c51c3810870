import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { findTool, ROOT } from '../tools.ts';

// The single-node Kubernetes of shared/tools/kube-sandbox.sh as the cluster suite drives it: the
// binaries come from setup-toolchain.sh's `kube` step ($MCP_KUBE_BIN), the cluster's state lives in
// $MCP_KUBE_WORK. There is one such cluster per machine (fixed control-plane ports), so a run holds
// a lock for its whole duration and starts with `down` (the leftovers of a killed run).

export const KUBE_VERSION = process.env.MCP_KUBE_VERSION || 'v1.34.4';
export const BIN = process.env.MCP_KUBE_BIN ?? '';
export const WORK = process.env.MCP_KUBE_WORK || '/tmp/mcp-kube';
export const SANDBOX = process.env.KUBE_SANDBOX ?? join(ROOT, '../shared/tools/kube-sandbox.sh');
export const HELM = findTool('HELM_BIN', 'helm');
/** ServiceMonitor and PrometheusRule CRDs, saved by the `kube` step beside the binaries. */
export const CRDS = join(BIN, 'crds');
const KUBECONFIG = join(WORK, 'kc/admin.conf');
const REQUIRED = ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kube-proxy'];

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The `kube` step's background build (scripts/setup-toolchain.sh): pid, log, exit status. */
const BUILD = `${BIN}.build`;

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return fallback;
  }
}

/** True while the `kube` step's background build of the binaries is running. */
export function building(): boolean {
  if (BIN === '' || existsSync(join(BUILD, 'status'))) return false;
  const pid = Number(readOr(join(BUILD, 'pid'), ''));
  return Number.isInteger(pid) && pid > 0 && alive(pid);
}

/** Waits for the background build to end; throws with its log when it failed or took too long. */
export async function waitForBuild(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (building()) {
    if (Date.now() > deadline) {
      throw new Error(`the kube build is still running after ${timeoutMs / 60_000} min (log: ${BUILD}/log)`);
    }
    await sleep(5000);
  }
  const status = readOr(join(BUILD, 'status'), 'unknown (killed?)');
  if (status !== '0') {
    throw new Error(
      `the kube build failed (exit ${status}); the end of ${BUILD}/log:\n${readOr(join(BUILD, 'log'), '').slice(-6000)}`,
    );
  }
}

/**
 * Why the cluster cannot run here (one line naming what is missing), or undefined. Binaries that a
 * background build is still making are not missing: the suite waits for them (`waitForBuild`).
 */
export function missing(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (containerd, kubelet, iptables)';
  if (!existsSync(SANDBOX)) return `${SANDBOX} is missing (shared/tools beside the repository)`;
  if (HELM === undefined) return 'helm not found (HELM_BIN): run scripts/setup-toolchain.sh gotools';
  if (building()) return undefined;
  const absent = [...REQUIRED, 'kubectl', 'coredns'].filter((name) => !executable(join(BIN, name)));
  const failed = readOr(join(BUILD, 'status'), '0');
  if (absent.length > 0 && failed !== '0')
    return `kube binaries missing: the background build failed (exit ${failed}; log: ${BUILD}/log)`;
  if (BIN === '' || absent.length > 0)
    return `kube binaries missing in MCP_KUBE_BIN=${BIN || '(unset)'} (${absent.join(', ')}): run scripts/setup-toolchain.sh kube`;
  if (!existsSync(join(CRDS, 'servicemonitors.yaml')))
    return `${CRDS}/servicemonitors.yaml missing: run scripts/setup-toolchain.sh kube`;
  return undefined;
}

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking the event loop; the whole stdout and the last 256 KiB of stderr. */
export function sh(
  command: string,
  args: readonly string[],
  options: { timeoutMs?: number; env?: Record<string, string>; input?: string } = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: ROOT,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, KUBECONFIG, ...options.env },
    });
    const out: Buffer[] = [];
    let err = '';
    child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString('utf8')).slice(-262_144);
    });
    if (options.input !== undefined) child.stdin?.end(options.input);
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: err });
    });
  });
}

async function ok(command: string, args: readonly string[], timeoutMs?: number, input?: string) {
  const result = await sh(command, args, {
    ...(timeoutMs ? { timeoutMs } : {}),
    ...(input ? { input } : {}),
  });
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.code}):\n${result.stderr}${result.stdout}`,
    );
  }
  return result.stdout;
}

export const kubectl = (args: readonly string[], timeoutMs?: number, input?: string) =>
  ok(join(BIN, 'kubectl'), args, timeoutMs, input);
export const kubectlRaw = (args: readonly string[], timeoutMs = 120_000) =>
  sh(join(BIN, 'kubectl'), args, { timeoutMs });
export const kubectlJson = async <T>(args: readonly string[]): Promise<T> =>
  JSON.parse(await kubectl([...args, '-o', 'json'])) as T;
/** helm with the cluster's kubeconfig; resolves even on failure (tests look at the error). */
export const helm = (args: readonly string[], timeoutMs = 900_000) => sh(HELM!, args, { timeoutMs });

/** `kube-sandbox.sh <command>` with this suite's binaries and work directory. */
export async function sandbox(command: string, args: readonly string[] = [], timeoutMs = 600_000) {
  const sv = KUBE_VERSION.replace(/^v1\./, 'v0.');
  const result = await sh('bash', [SANDBOX, command, ...args], {
    timeoutMs,
    env: { W: WORK, BIN, KV: KUBE_VERSION, SV: sv, PATH: `${BIN}:${process.env.PATH}` },
  });
  if (result.code !== 0) {
    const logs = join(WORK, 'logs');
    throw new Error(
      `kube-sandbox.sh ${command} failed (${result.code}) - logs in ${logs}:\n${result.stderr.slice(-8000)}`,
    );
  }
  return result;
}

/**
 * Brings a fresh cluster up: whatever an earlier (killed) run left is taken down first, and the
 * PKI is made anew (the sandbox's certificates last 30 days and would otherwise be kept forever).
 */
export async function up(): Promise<void> {
  await sandbox('down', [], 300_000);
  rmSync(join(WORK, 'pki'), { recursive: true, force: true });
  rmSync(join(WORK, 'kc'), { recursive: true, force: true });
  await sandbox('up', [], 600_000);
}

export const down = () => sandbox('down', [], 300_000);

const LOCK = `${WORK}.lock`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Takes the machine's cluster lock (a directory holding the owner's pid); a dead owner's lock is taken over. */
export async function lock(waitMs: number): Promise<() => void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner = Number.NaN;
    try {
      owner = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
    } catch {}
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
      rmSync(LOCK, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`${LOCK} is held by pid ${owner} (another cluster run on this machine) for too long`);
    }
    await sleep(2000);
  }
}

export interface PodEvent {
  type: string;
  name: string;
  /** The pod's app.kubernetes.io/component: the server it belongs to. */
  component: string | undefined;
  role: string | undefined;
  phase: string | undefined;
}

export interface PodWatch {
  events: PodEvent[];
  /** What the watch saw and how it ended, for a failure message. */
  describe(): string;
  stop(): void;
}

/**
 * Pod events of a namespace in the order the API server records them (one watch stream, so no
 * clock is involved), from the resourceVersion of a list taken before this resolves: every change
 * after that is in `events`, even one made before the watch connection was up. The API server's
 * watch (`kubectl get --raw`, streamed) sends one JSON event per line.
 */
export async function watchPods(namespace: string): Promise<PodWatch> {
  const path = `/api/v1/namespaces/${namespace}/pods`;
  const list = JSON.parse(await kubectl(['get', '--raw', path])) as { metadata: { resourceVersion: string } };
  const events: PodEvent[] = [];
  const child = spawn(
    join(BIN, 'kubectl'),
    ['get', '--raw', `${path}?watch=1&resourceVersion=${list.metadata.resourceVersion}`],
    { env: { ...process.env, KUBECONFIG }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let buffer = '';
  let stderr = '';
  let ended = 'still running';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString('utf8')).slice(-4096);
  });
  child.on('exit', (code, signal) => {
    ended = `exited ${code ?? signal}`;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      const line = buffer.slice(0, end).trim();
      buffer = buffer.slice(end + 1);
      if (line === '') continue;
      const event = JSON.parse(line) as {
        type: string;
        object: { metadata: { name: string; labels?: Record<string, string> }; status?: { phase?: string } };
      };
      events.push({
        type: event.type,
        name: event.object.metadata.name,
        component: event.object.metadata.labels?.['app.kubernetes.io/component'],
        role: event.object.metadata.labels?.['mcp-platform/role'],
        phase: event.object.status?.phase,
      });
    }
  });
  return {
    events,
    describe: () =>
      `watch from resourceVersion ${list.metadata.resourceVersion} (${ended}; stderr: ${stderr || 'none'}):\n` +
      events.map((e) => `${e.type} ${e.name} ${e.component}/${e.role} ${e.phase}`).join('\n'),
    stop: () => child.kill(),
  };
}
