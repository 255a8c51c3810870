import { parseArgs } from 'node:util';
import { listen } from '@mcp-platform/test-support';
import { buildFixtureServer } from './fixture-server.ts';
import { formatLineResult, runSuiteLine, type SuiteLine } from './suite.ts';

/**
 * `pnpm conformance`: starts the fixture server on an ephemeral 127.0.0.1 port and runs the official
 * suite's stable line (`--suite all`) and alpha line (`--requirements 2026-07-28`) against it, once
 * with the fast path on (production configuration) and once with every request on the SDK path.
 * Prints each line's summary and failing checks; exits 1 on any failure. No expected-failures file.
 *
 *   --line stable|alpha|both   (default both)     --path fast|sdk|both   (default both)
 */
const { values } = parseArgs({
  options: {
    line: { type: 'string', default: 'both' },
    path: { type: 'string', default: 'both' },
  },
});
const pick = <T extends string>(value: string, all: readonly T[], flag: string): T[] => {
  if (value === 'both') return [...all];
  if ((all as readonly string[]).includes(value)) return [value as T];
  process.stderr.write(`Invalid --${flag} ${value}: use ${all.join(', ')} or both\n`);
  process.exit(2);
};
const lines = pick<SuiteLine>(values.line, ['stable', 'alpha'], 'line');
const paths = pick(values.path, ['fast', 'sdk'] as const, 'path');

let failed = false;
for (const path of paths) {
  const app = await buildFixtureServer({ fastPath: path === 'fast' });
  try {
    const url = `${await listen(app)}/mcp`;
    for (const line of lines) {
      const result = await runSuiteLine(line, url);
      process.stdout.write(`${formatLineResult(result, { label: `${path} path` })}\n\n`);
      if (result.problems.length > 0) failed = true;
    }
  } finally {
    await app.close();
  }
}
process.stdout.write(failed ? 'conformance: FAILED\n' : 'conformance: all scored scenarios passed\n');
process.exitCode = failed ? 1 : 0;
