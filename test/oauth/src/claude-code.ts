import { execFile, spawn } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The cached Claude Code binary (scripts/setup-toolchain.sh claude), or why it cannot be used. */
export function findClaudeCode(): { bin: string } | { missing: string } {
  const bin = process.env.CLAUDE_CODE_BIN;
  if (bin === undefined || bin === '')
    return { missing: 'CLAUDE_CODE_BIN is not set: source scripts/env.sh' };
  try {
    accessSync(bin, constants.X_OK);
  } catch {
    return { missing: `${bin} is not installed: run scripts/setup-toolchain.sh claude` };
  }
  try {
    accessSync('/usr/bin/script', constants.X_OK);
  } catch {
    return { missing: '/usr/bin/script (util-linux) is missing: `claude mcp login` needs a terminal' };
  }
  return { bin };
}

export interface ClaudeCode {
  /** The throwaway project directory Claude Code runs in (where `.mcp.json` goes). */
  readonly project: string;
  /** Its user configuration directory (CLAUDE_CONFIG_DIR: settings.json, .claude.json, credentials). */
  readonly configDir: string;
  /** Runs `claude <args>`; resolves with stdout, rejects on a non-zero exit. */
  claude(args: readonly string[]): Promise<string>;
  /**
   * `claude mcp login <name> --no-browser` in a pseudo-terminal: hands the authorization URL it prints
   * to `browse` (which signs the person in and returns the redirect to Claude Code's localhost
   * callback), opens that callback like the browser would, and waits for Claude Code to finish.
   */
  login(name: string, browse: (authorizationUrl: string) => Promise<URL>): Promise<string>;
  close(): void;
}

/** Claude Code with a throwaway HOME and config dir: nothing of the developer's own set-up is read or changed. */
export function claudeCode(bin: string): ClaudeCode {
  const home = mkdtempSync(join(tmpdir(), 'claude-code-home-'));
  const project = mkdtempSync(join(tmpdir(), 'claude-code-project-'));
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    CLAUDE_CONFIG_DIR: join(home, '.claude'),
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    TERM: 'dumb',
  };
  return {
    project,
    configDir: env.CLAUDE_CONFIG_DIR,
    async claude(args) {
      const { stdout } = await run(bin, [...args], { env, cwd: project, encoding: 'utf8', timeout: 120_000 });
      return stdout;
    },
    login(name, browse) {
      return new Promise((resolve, reject) => {
        const child = spawn(
          '/usr/bin/script',
          ['-q', '-e', '-c', `'${bin}' mcp login '${name}' --no-browser`, '/dev/null'],
          {
            env,
            cwd: project,
            stdio: ['pipe', 'pipe', 'pipe'],
          },
        );
        let output = '';
        let browsing = false;
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`claude mcp login ${name} did not finish in 120 s; output:\n${output}`));
        }, 120_000);
        const onData = (chunk: Buffer) => {
          output += chunk.toString('utf8');
          // The URL is printed inside a terminal hyperlink: match URL characters only (no BEL/ESC).
          const match = /(https?:\/\/[\w.:-]+\/auth\?[\w\-.~%&=+]+)/.exec(output);
          if (match && !browsing) {
            browsing = true;
            browse(match[1] as string)
              .then((callback) => fetch(callback))
              .then((response) => response.body?.cancel())
              .catch((error: unknown) => {
                child.kill('SIGKILL');
                reject(error);
              });
          }
        };
        child.stdout.on('data', onData);
        child.stderr.on('data', onData);
        child.on('error', reject);
        child.on('close', (code) => {
          clearTimeout(timer);
          if (code === 0) resolve(output);
          else reject(new Error(`claude mcp login ${name} exited ${code}; output:\n${output}`));
        });
      });
    },
    close() {
      rmSync(home, { recursive: true, force: true });
      rmSync(project, { recursive: true, force: true });
    },
  };
}

/** `claude mcp list` lines by server name: `crm: http://… (HTTP) - ✔ Connected` → { crm: '✔ Connected' }. */
export function parseMcpList(stdout: string): Record<string, string> {
  const status: Record<string, string> = {};
  for (const line of stdout.split('\n')) {
    const match = /^([\w.-]+): .* - (.+)$/.exec(line.trim());
    if (match) status[match[1] as string] = (match[2] as string).trim();
  }
  return status;
}
