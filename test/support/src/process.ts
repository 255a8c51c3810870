import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';

export interface ProcessRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <args>` to completion (killed after `timeoutMs`), collecting its output. */
export function runNode(
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args], {
      env: options.env ?? process.env,
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface ServerProcess {
  child: ChildProcessWithoutNullStreams;
  /** The base URL the server logged when it started listening. */
  url: string;
  /** Everything the process wrote (stdout and stderr), as it came. */
  output: () => string;
  /** Its JSON log lines (stdout), parsed, in order; they keep coming while it runs. */
  lines: Array<Record<string, unknown>>;
  /** What it wrote that is not a log line: stderr (a crash's stack trace) and stray stdout lines. */
  stderr: () => string;
  /** Resolves with the exit code once the process has ended and its output is read (null: a signal). */
  exited: Promise<number | null>;
  /** How the process stands (exit code, signal, last log lines, stderr): for failure messages. */
  state: () => string;
  /** fetch(`${url}${path}`), but a failed request names the process's state (so a crash shows its cause). */
  fetch: (path: string, init?: RequestInit) => Promise<Response>;
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>;
}

/**
 * Starts a server's entry point (`node --conditions=@mcp-platform/source <main>`) and resolves once it
 * logs `MCP server listening` with its URL (PORT=0 in `env` picks a free port). Rejects, naming the
 * process's state, when it exits first or does not listen within `timeoutMs` (then it is killed).
 */
export function startServerProcess(
  main: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 120_000,
): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--conditions=@mcp-platform/source', main], {
    env,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let stderr = '';
  const lines: Array<Record<string, unknown>> = [];
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    stderr += chunk.toString('utf8');
  });
  const lineReader = createInterface({ input: child.stdout });
  lineReader.on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      stderr += `${line}\n`;
    }
  });
  // 'close', not 'exit': by then every line the process wrote has been read.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const state = () =>
    `server process: exit code ${child.exitCode}, signal ${child.signalCode}; ` +
    `last log lines: ${JSON.stringify(lines.slice(-5))}; stderr: ${stderr || '(none)'}`;
  const stop = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      lineReader.off('line', onLine);
      reject(new Error(`${why}; ${state()}`));
    };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(`server did not log "MCP server listening" within ${timeoutMs} ms`);
    }, timeoutMs);
    const onLine = () => {
      const listening = lines.find((l) => l.msg === 'MCP server listening');
      if (listening === undefined) return;
      clearTimeout(timer);
      lineReader.off('line', onLine);
      const url = String(listening.url);
      const fetchFrom = async (path: string, init?: RequestInit) => {
        try {
          return await fetch(`${url}${path}`, init);
        } catch (error) {
          throw new Error(`request to ${url}${path} failed (${String(error)}); ${state()}`, {
            cause: error,
          });
        }
      };
      resolve({
        child,
        url,
        output: () => output,
        lines,
        stderr: () => stderr,
        exited,
        state,
        fetch: fetchFrom,
        stop,
      });
    };
    lineReader.on('line', onLine);
    void exited.then(() => fail('server exited before it was listening'));
  });
}

const INSPECTOR = join(
  dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/inspector/package.json')),
  'clients/launcher/build/index.js',
);

/**
 * The MCP Inspector CLI (`mcp-inspector --cli <args> --format json --quiet`), a separately developed
 * client, run as a real process with its own HOME (killed after `timeoutMs`).
 */
export function runInspectorCli(
  home: string,
  args: readonly string[],
  timeoutMs = 45_000,
): Promise<ProcessRun> {
  return runNode([INSPECTOR, '--cli', ...args, '--format', 'json', '--quiet'], {
    env: { ...process.env, HOME: home, NO_COLOR: '1' },
    timeoutMs,
  });
}
