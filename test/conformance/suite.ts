import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Runs the official MCP conformance suite (`@modelcontextprotocol/conformance`) against a URL and
 * reads back every check it made. Two lines are pinned: the stable line with `--suite all`, and the
 * alpha line (installed under the npm alias `conformance-alpha`) with the 2026-07-28 requirements.
 * There is no expected-failures file: a line passes only when every scenario it scores passed, and
 * every scenario its own `list` command names was actually run.
 */

export type SuiteLine = 'stable' | 'alpha';

interface LineSpec {
  /** The npm package (or alias) that holds the line. */
  pkg: string;
  /** Arguments selecting the scenarios, for both `server` and `list --server`. */
  selection: { run: string[]; list: string[] };
  describe: string;
}

const REQUIREMENTS = '2026-07-28';

const LINES: Record<SuiteLine, LineSpec> = {
  stable: {
    pkg: '@modelcontextprotocol/conformance',
    selection: { run: ['--suite', 'all'], list: [] },
    describe: '--suite all',
  },
  alpha: {
    pkg: 'conformance-alpha',
    selection: { run: ['--requirements', REQUIREMENTS], list: ['--requirements', REQUIREMENTS] },
    describe: `--requirements ${REQUIREMENTS}`,
  },
};

export interface Check {
  id: string;
  name: string;
  status: 'SUCCESS' | 'FAILURE' | 'WARNING' | 'INFO' | 'SKIPPED' | string;
  errorMessage?: string;
}

export interface ScenarioResult {
  scenario: string;
  /** False for scenarios the line runs but does not score (extensions, pending). */
  scored: boolean;
  passed: number;
  failed: number;
  warnings: number;
  checks: Check[];
}

export interface LineResult {
  line: SuiteLine;
  version: string;
  selection: string;
  url: string;
  exitCode: number | null;
  /** Scenarios the line's `list` says it requires. */
  expected: string[];
  scenarios: ScenarioResult[];
  /** Why the line did not pass (empty when it passed). */
  problems: string[];
  output: string;
  durationMs: number;
}

const require = createRequire(import.meta.url);

function packageDir(pkg: string): string {
  return dirname(require.resolve(`${pkg}/package.json`));
}

export async function lineVersion(line: SuiteLine): Promise<string> {
  const manifest = JSON.parse(await readFile(join(packageDir(LINES[line].pkg), 'package.json'), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}

function run(args: string[], timeoutMs: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function bin(line: SuiteLine): string {
  return join(packageDir(LINES[line].pkg), 'dist', 'index.js');
}

/** The server scenarios the line's own `list` command says this selection runs (and scores). */
export async function expectedScenarios(line: SuiteLine): Promise<string[]> {
  const { code, output } = await run([bin(line), 'list', '--server', ...LINES[line].selection.list], 30_000);
  if (code !== 0) throw new Error(`conformance ${line} list failed (exit ${code}):\n${output}`);
  const names: string[] = [];
  let inServer = false;
  for (const raw of output.split('\n')) {
    if (raw.startsWith('Server scenarios')) {
      inServer = true;
      continue;
    }
    if (!inServer) continue;
    const match = /^\s+- ([a-z0-9-]+)(?: \[.*\])?\s*$/.exec(raw);
    if (!match) break;
    names.push(match[1]!);
  }
  return names;
}

/** Scenario names the alpha line reports as "not scored" (extensions, pending) in its summary. */
function unscored(output: string): Set<string> {
  const names = new Set<string>();
  const start = output.indexOf('Not scored for');
  if (start < 0) return names;
  for (const raw of output.slice(start).split('\n').slice(1)) {
    const match = /^\s+[✓✗] ([a-z0-9-]+) \(/.exec(raw);
    if (!match) break;
    names.add(match[1]!);
  }
  return names;
}

async function readChecks(dir: string, skipped: Set<string>): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  for (const entry of (await readdir(dir)).sort()) {
    const match = /^server-(.+)-\d{4}-\d{2}-\d{2}T[\d-]+Z$/.exec(entry);
    if (!match) continue;
    const scenario = match[1]!;
    const checks = JSON.parse(await readFile(join(dir, entry, 'checks.json'), 'utf8')) as Check[];
    results.push({
      scenario,
      scored: !skipped.has(scenario),
      passed: checks.filter((c) => c.status === 'SUCCESS').length,
      failed: checks.filter((c) => c.status === 'FAILURE').length,
      warnings: checks.filter((c) => c.status === 'WARNING').length,
      checks,
    });
  }
  return results;
}

export interface RunOptions {
  /** Per-run time limit (the whole line), default 180 s. */
  timeoutMs?: number;
}

/** Runs one suite line against `url` (the MCP endpoint) and judges it. */
export async function runSuiteLine(
  line: SuiteLine,
  url: string,
  options: RunOptions = {},
): Promise<LineResult> {
  const started = performance.now();
  const [version, expected] = await Promise.all([lineVersion(line), expectedScenarios(line)]);
  const outDir = await mkdtemp(join(tmpdir(), `mcp-conformance-${line}-`));
  try {
    const { code, output } = await run(
      [bin(line), 'server', '--url', url, ...LINES[line].selection.run, '-o', outDir],
      options.timeoutMs ?? 180_000,
    );
    const scenarios = await readChecks(outDir, unscored(output));
    const problems: string[] = [];
    if (code !== 0) problems.push(`the suite exited with code ${code}`);
    if (expected.length === 0) problems.push('the suite listed no scenarios for this selection');
    const ran = new Set(scenarios.map((s) => s.scenario));
    const missing = expected.filter((name) => !ran.has(name));
    if (missing.length > 0) problems.push(`scenarios listed but not run: ${missing.join(', ')}`);
    for (const s of scenarios) {
      if (s.scored && s.failed > 0) problems.push(`${s.scenario}: ${s.failed} failed check(s)`);
    }
    return {
      line,
      version,
      selection: LINES[line].describe,
      url,
      exitCode: code,
      expected,
      scenarios,
      problems,
      output,
      durationMs: Math.round(performance.now() - started),
    };
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

export interface FormatOptions {
  /** Shown after the line's name, e.g. `fast path`. */
  label?: string;
  /** List only scenarios with failed checks (for assertion messages). */
  onlyFailures?: boolean;
}

/** A summary line, then one line per scenario with every failing check of a scored scenario. */
export function formatLineResult(result: LineResult, options: FormatOptions = {}): string {
  const { label = '', onlyFailures = false } = options;
  const scored = result.scenarios.filter((s) => s.scored);
  const passedScenarios = scored.filter((s) => s.failed === 0).length;
  const checks = scored.reduce((n, s) => n + s.passed + s.failed, 0);
  const passedChecks = scored.reduce((n, s) => n + s.passed, 0);
  const lines = [
    `conformance ${result.line} ${result.version} (${result.selection})${label ? ` [${label}]` : ''}: ` +
      `${passedScenarios}/${scored.length} scored scenarios passed, ${passedChecks}/${checks} checks, ` +
      `${result.scenarios.length - scored.length} unscored, ${(result.durationMs / 1000).toFixed(1)}s`,
  ];
  for (const s of result.scenarios) {
    if (onlyFailures && (s.failed === 0 || !s.scored)) continue;
    const mark = s.failed === 0 ? 'ok  ' : s.scored ? 'FAIL' : 'n/s ';
    const warn = s.warnings > 0 ? `, ${s.warnings} warning(s)` : '';
    lines.push(
      `  ${mark} ${s.scenario}: ${s.passed} passed, ${s.failed} failed${warn}${s.scored ? '' : ' (not scored)'}`,
    );
    if (!s.scored) continue;
    for (const c of s.checks.filter((check) => check.status === 'FAILURE')) {
      lines.push(`         - ${c.id}: ${(c.errorMessage ?? c.name).replaceAll('\n', ' ').slice(0, 400)}`);
    }
  }
  if (result.problems.length > 0) lines.push(`  problems: ${result.problems.join('; ')}`);
  return lines.join('\n');
}
