/**
 * `pnpm start` — starts every domain server present in servers/ on its default port (crm 3001,
 * itsm 3002, finance 3003, knowledge 3004) on 127.0.0.1 with the embedded defaults (no external
 * services needed). Before any domain server exists it starts the example server on 3001.
 *
 * Stopping: a terminal's Ctrl-C sends SIGINT to the whole process group, so each server gets it
 * directly; a SIGTERM (or a SIGINT sent to this process alone) is passed on as one SIGTERM to each
 * server, which treats it as part of the same shutdown. Every server drains, flushes its audit trail
 * and stops its embedded database; this exits 0 once all of them exited 0. A second Ctrl-C reaches
 * the servers again and makes them exit at once; a second SIGTERM here is passed on for the same effect.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const PORTS: Record<string, number> = { crm: 3001, itsm: 3002, finance: 3003, knowledge: 3004 };
const out = (line: string) => process.stdout.write(`${line}\n`);

const servers = Object.entries(PORTS).filter(([name]) => existsSync(`${root}servers/${name}/src/main.ts`));
const children = new Map<string, ChildProcess>();
const failed = new Set<string>();
let stopping = false;
let termsSent = 0;

const start = (name: string, script: string, port: number) => {
  const child = spawn(process.execPath, ['--conditions=@mcp-platform/source', script], {
    cwd: root,
    stdio: 'inherit',
    env: { HOST: '127.0.0.1', PORT: String(port), AUTH_MODE: 'none', ...process.env },
  });
  child.on('exit', (code, signal) => {
    out(`[start] ${name} exited (${signal ?? code})`);
    children.delete(name);
    if (code !== 0) failed.add(name);
    // One server gone on its own takes the others down (a half-started platform helps nobody).
    if (!stopping) stop();
    if (children.size === 0) process.exit(failed.size === 0 ? 0 : 1);
  });
  children.set(name, child);
  out(`[start] ${name}: http://127.0.0.1:${port}/mcp`);
};

/** Sends each server still running one SIGTERM (again on a repeated SIGTERM: they then exit at once). */
function stop(): void {
  stopping = true;
  termsSent += 1;
  for (const child of children.values()) child.kill('SIGTERM');
}

process.on('SIGINT', () => {
  // The servers got this SIGINT too when it came from the terminal; a repeated one reaches them as well.
  if (!stopping) stop();
});
process.on('SIGTERM', () => {
  if (!stopping || termsSent === 1) stop();
});

if (servers.length === 0) {
  start('example', `${root}scripts/example-server.ts`, 3001);
} else {
  for (const [name, port] of servers) start(name, `${root}servers/${name}/src/main.ts`, port);
}
