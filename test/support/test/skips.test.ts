import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  disallowedSkips,
  loudSkip,
  parseAllowedSkips,
  skippedSuites,
  type VitestJsonReport,
} from '../src/index.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

const report: VitestJsonReport = {
  testResults: [
    {
      name: join(ROOT, 'test/deploy/containers.test.ts'),
      assertionResults: [
        { ancestorTitles: ['server images'], title: 'crm: runs', status: 'skipped' },
        { ancestorTitles: ['server images'], title: 'knowledge: runs', status: 'pending' },
      ],
    },
    {
      name: join(ROOT, 'packages/runtime/test/x.test.ts'),
      assertionResults: [
        { ancestorTitles: ['ran'], title: 'a', status: 'passed' },
        { ancestorTitles: ['ran'], title: 'b', status: 'failed' },
        { ancestorTitles: ['later', 'inner'], title: 'c', status: 'todo' },
        { ancestorTitles: [], title: 'top-level test', status: 'skipped' },
      ],
    },
  ],
};

describe('skipped suites and the CI allow-list', () => {
  it('groups tests that did not run by file and outermost suite', () => {
    expect(skippedSuites(report, ROOT)).toEqual([
      { file: 'test/deploy/containers.test.ts', suite: 'server images', skipped: 2 },
      { file: 'packages/runtime/test/x.test.ts', suite: 'later', skipped: 1 },
      { file: 'packages/runtime/test/x.test.ts', suite: 'top-level test', skipped: 1 },
    ]);
  });

  it('only an entry with the same file and suite allows a skip', () => {
    const allowed = parseAllowedSkips([
      { file: 'test/deploy/containers.test.ts', suite: 'server images', reason: 'no engine on this runner' },
      { file: 'packages/runtime/test/other.test.ts', suite: 'later', reason: 'another file' },
    ]);
    expect(disallowedSkips(skippedSuites(report, ROOT), allowed)).toEqual([
      { file: 'packages/runtime/test/x.test.ts', suite: 'later', skipped: 1 },
      { file: 'packages/runtime/test/x.test.ts', suite: 'top-level test', skipped: 1 },
    ]);
  });

  it('an allow-list entry without a reason is refused', () => {
    expect(() => parseAllowedSkips([{ file: 'a.test.ts', suite: 's', reason: ' ' }])).toThrow(
      /entry 0 needs a non-empty "reason"/,
    );
    expect(() => parseAllowedSkips({})).toThrow(/JSON array/);
  });

  it("the repository's allow-list is well-formed", async () => {
    const list = JSON.parse(await readFile(join(ROOT, '.ci/allowed-skips.json'), 'utf8'));
    expect(() => parseAllowedSkips(list)).not.toThrow();
  });
});

describe('loudSkip with MCP_SKIP_LOG', () => {
  let dir: string | undefined;
  afterEach(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('appends the suite and reason as a JSON line', async () => {
    dir = await mkdtemp(join(tmpdir(), 'skip-log-'));
    const log = join(dir, 'skips.jsonl');
    vi.stubEnv('MCP_SKIP_LOG', log);
    vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    loudSkip('suite c', 'helm not found');
    expect((await readFile(log, 'utf8')).trim()).toBe(
      JSON.stringify({ suite: 'suite c', reason: 'helm not found' }),
    );
  });
});

describe('scripts/check-skips.ts', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('fails naming each skipped suite and the reason its loud line gave; passes without skips', async () => {
    dir = await mkdtemp(join(tmpdir(), 'check-skips-'));
    const reportPath = join(dir, 'report.json');
    const logPath = join(dir, 'skips.jsonl');
    await writeFile(reportPath, JSON.stringify(report));
    await writeFile(
      logPath,
      `${JSON.stringify({ suite: 'server images', reason: 'CONTAINER_TESTS=skip-no-runtime' })}\n`,
    );
    const check = (path: string) =>
      spawnSync(process.execPath, [join(ROOT, 'scripts/check-skips.ts'), path, logPath], {
        encoding: 'utf8',
      });
    const failed = check(reportPath);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain(
      'SKIPPED IN CI: test/deploy/containers.test.ts > server images (2 tests)',
    );
    expect(failed.stdout).toContain('because: CONTAINER_TESTS=skip-no-runtime');
    expect(failed.stdout).toContain('SKIPPED IN CI: packages/runtime/test/x.test.ts > later (1 tests)');

    const clean: VitestJsonReport = {
      testResults: [
        {
          name: join(ROOT, 'a.test.ts'),
          assertionResults: [{ ancestorTitles: [], title: 'a', status: 'passed' }],
        },
      ],
    };
    await writeFile(reportPath, JSON.stringify(clean));
    expect(check(reportPath).status).toBe(0);
  });
});
