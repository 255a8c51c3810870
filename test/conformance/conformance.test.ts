import { listen } from '@mcp-platform/test-support';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFixtureServer } from './fixture-server.ts';
import { formatLineResult, runSuiteLine, type SuiteLine } from './suite.ts';

// The official suite, both lines, against the fixture server on the production configuration
// (fast path on) and with every request on the SDK path. No expected-failures file.
const PATHS = [
  { label: 'fast path', fastPath: true },
  { label: 'SDK path', fastPath: false },
] as const;
const LINES: readonly SuiteLine[] = ['stable', 'alpha'];

describe('official MCP conformance suite', () => {
  const apps: FastifyInstance[] = [];
  const urls = new Map<string, string>();

  beforeAll(async () => {
    for (const path of PATHS) {
      const app = await buildFixtureServer({ fastPath: path.fastPath });
      apps.push(app);
      urls.set(path.label, `${await listen(app)}/mcp`);
    }
  });
  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  for (const path of PATHS) {
    for (const line of LINES) {
      // One run at a time: four suites at once on a loaded 2-core machine starve each other into
      // timeouts, and together they finish no sooner.
      it(`${line} line passes every scored scenario [${path.label}]`, { timeout: 300_000 }, async () => {
        const result = await runSuiteLine(line, urls.get(path.label)!, { timeoutMs: 280_000 });
        expect(result.scenarios.length, 'the suite ran no scenario').toBeGreaterThan(0);
        expect(
          result.problems,
          `\n${formatLineResult(result, { label: path.label, onlyFailures: true })}\n`,
        ).toEqual([]);
      });
    }
  }
});
