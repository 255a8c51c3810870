import { relative } from 'node:path';

/** The part of Vitest's JSON report (`--reporter=json`) the skip check reads. */
export interface VitestJsonReport {
  testResults: ReadonlyArray<{
    name: string;
    assertionResults: ReadonlyArray<{ ancestorTitles: readonly string[]; title: string; status: string }>;
  }>;
}

/** An entry of `.ci/allowed-skips.json`: a suite that may be skipped in CI, and why. */
export interface AllowedSkip {
  /** Test file, relative to the repository root. */
  file: string;
  /** The suite's title (its outermost `describe`, or the test's own title outside any). */
  suite: string;
  reason: string;
}

export interface SkippedSuite {
  file: string;
  suite: string;
  /** How many of its tests did not run. */
  skipped: number;
}

const RAN = new Set(['passed', 'failed']);

/** Every suite with at least one test that did not run (skipped, todo, pending), by file and title. */
export function skippedSuites(report: VitestJsonReport, root: string): SkippedSuite[] {
  const bySuite = new Map<string, SkippedSuite>();
  for (const file of report.testResults) {
    const path = relative(root, file.name).split('\\').join('/');
    for (const test of file.assertionResults) {
      if (RAN.has(test.status)) continue;
      const suite = test.ancestorTitles[0] ?? test.title;
      const key = `${path}\0${suite}`;
      const entry = bySuite.get(key) ?? { file: path, suite, skipped: 0 };
      entry.skipped += 1;
      bySuite.set(key, entry);
    }
  }
  return [...bySuite.values()];
}

/** Checks the allow-list's shape; throws saying which entry to fix. */
export function parseAllowedSkips(json: unknown): AllowedSkip[] {
  if (!Array.isArray(json)) throw new Error('allowed skips: expected a JSON array of {file, suite, reason}');
  return json.map((entry: unknown, index) => {
    const e = entry as Partial<Record<keyof AllowedSkip, unknown>>;
    for (const key of ['file', 'suite', 'reason'] as const) {
      if (typeof e?.[key] !== 'string' || (e[key] as string).trim() === '') {
        throw new Error(`allowed skips: entry ${index} needs a non-empty "${key}"`);
      }
    }
    return { file: e.file as string, suite: e.suite as string, reason: e.reason as string };
  });
}

/** The skipped suites that are not on the allow-list (each of these fails CI). */
export function disallowedSkips(
  skipped: readonly SkippedSuite[],
  allowed: readonly AllowedSkip[],
): SkippedSuite[] {
  return skipped.filter((s) => !allowed.some((a) => a.file === s.file && a.suite === s.suite));
}
