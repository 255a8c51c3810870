/**
 * `node scripts/check-skips.ts REPORT.json [SKIP_LOG]` — run by `.ci/run` after `pnpm test`: fails
 * (exit 1) when a suite was skipped that is not on `.ci/allowed-skips.json`, naming each such suite and,
 * from SKIP_LOG (the JSON lines test-support's loudSkip appends to MCP_SKIP_LOG), why it was skipped.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  disallowedSkips,
  parseAllowedSkips,
  skippedSuites,
  type VitestJsonReport,
} from '../test/support/src/skips.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const [reportPath, skipLogPath] = process.argv.slice(2);
if (reportPath === undefined) {
  process.stderr.write('usage: node scripts/check-skips.ts REPORT.json [SKIP_LOG]\n');
  process.exit(64);
}
const allowListPath = `${root}.ci/allowed-skips.json`;
const allowed = parseAllowedSkips(JSON.parse(readFileSync(allowListPath, 'utf8')));
const report = JSON.parse(readFileSync(reportPath, 'utf8')) as VitestJsonReport;
const reasons =
  skipLogPath !== undefined && existsSync(skipLogPath)
    ? readFileSync(skipLogPath, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as { suite: string; reason: string })
    : [];

const skipped = skippedSuites(report, root);
const bad = disallowedSkips(skipped, allowed);
const out = (line: string) => process.stdout.write(`${line}\n`);
for (const s of skipped) {
  const entry = allowed.find((a) => a.file === s.file && a.suite === s.suite);
  if (entry) out(`ci: allowed skip: ${s.file} > ${s.suite} (${s.skipped} tests): ${entry.reason}`);
}
if (bad.length === 0) process.exit(0);
out(`ci: ${bad.length} suite(s) skipped that CI must run (not on .ci/allowed-skips.json):`);
for (const s of bad) {
  out(`  SKIPPED IN CI: ${s.file} > ${s.suite} (${s.skipped} tests)`);
  const why = reasons.filter((r) => r.suite.startsWith(s.suite) || s.suite.startsWith(r.suite));
  for (const r of why) out(`    because: ${r.reason}`);
}
const unmatched = reasons.filter(
  (r) => !bad.some((s) => r.suite.startsWith(s.suite) || s.suite.startsWith(r.suite)),
);
for (const r of unmatched) out(`  (skip announced: ${r.suite}: ${r.reason})`);
out('ci: install what the suite needs in scripts/setup-toolchain.sh, or allow-list it with a reason');
process.exit(1);
