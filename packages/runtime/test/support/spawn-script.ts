import { spawn } from 'node:child_process';

/** A TypeScript script run as its own process (source conditions), its output collected. */
export interface ScriptRun {
  /** Resolves with the exit code. */
  code: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  kill: (signal: NodeJS.Signals) => void;
}

export function spawnScript(script: string, args: readonly string[], env: Record<string, string>): ScriptRun {
  const child = spawn(process.execPath, ['--conditions=@mcp-platform/source', script, ...args], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += String(c);
  });
  child.stderr.on('data', (c) => {
    stderr += String(c);
  });
  return {
    code: new Promise((resolve) => child.once('exit', (code) => resolve(code))),
    stdout: () => stdout,
    stderr: () => stderr,
    kill: (signal) => child.kill(signal),
  };
}
