import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readdirSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Shared by the chart and container suites: where the repository is, which external tools
// exist, and a YAML reader. Every tool comes from scripts/env.sh's variables first, PATH second.

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CHART = join(ROOT, 'helm/mcp-platform');

// ONE loud stderr line per suite and reason, recorded for CI's skip check (test-support's own).
export { loudSkip } from '../support/src/env.ts';

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The tool at `$envName`, else `name` on PATH, else undefined. */
export function findTool(envName: string, name: string): string | undefined {
  const fromEnv = process.env[envName];
  if (fromEnv !== undefined && fromEnv !== '' && executable(fromEnv)) return fromEnv;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '' && executable(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function run(
  command: string,
  args: readonly string[],
  options: { input?: string; timeoutMs?: number } = {},
): Run {
  const result = spawnSync(command, args, {
    cwd: ROOT,
    encoding: 'utf8',
    input: options.input,
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Names of the server folders (servers/<name>/package.json), sorted: nothing hard-codes them. */
export function serverNames(): string[] {
  const dir = join(ROOT, 'servers');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && existsSync(join(dir, entry.name, 'package.json')))
    .map((entry) => entry.name)
    .sort();
}

// Node has no YAML parser and the workspace installs none for these tests; the toolchain's
// Python (scripts/env.sh: MCP_PYTHON, a venv with PyYAML) reads Helm's output instead.
const YAML_TO_JSON = [
  'import json, sys, yaml',
  'docs = [d for d in yaml.safe_load_all(sys.stdin) if d is not None]',
  'json.dump(docs, sys.stdout)',
].join('\n');

function yamlReader(): string | undefined {
  for (const candidate of [process.env.MCP_PYTHON, join(ROOT, '.venv/bin/python'), 'python3']) {
    if (candidate === undefined || candidate === '') continue;
    const probe = spawnSync(candidate, ['-c', 'import yaml'], { encoding: 'utf8' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

let reader: string | undefined | null = null;

/** A Python with PyYAML, or undefined. */
export function findYamlReader(): string | undefined {
  if (reader === null) reader = yamlReader();
  return reader;
}

/** Every non-empty document of a YAML stream. */
export function parseYamlStream(text: string): unknown[] {
  const python = findYamlReader();
  if (python === undefined) throw new Error('no Python with PyYAML (run scripts/setup-toolchain.sh python)');
  const result = run(python, ['-c', YAML_TO_JSON], { input: text });
  if (result.status !== 0) throw new Error(`YAML parse failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as unknown[];
}
