/**
 * `pnpm contracts <command>`: the tool contracts of every server under servers/.
 *
 *   check  [--base <git-ref>] [server...]   regenerate, classify the diff, fail on a too-small version bump or a stale file
 *   update [server...]                       write contract.json (+ a CHANGELOG entry) after a deliberate, versioned change
 *   hash   [server...]                       print each server's catalog hash (to pin)
 *   verify <mcp-url> (--expect <hash> | --contract <file>) [--token <bearer>]
 *                                            does a running server still serve the reviewed catalog?
 *
 * Exit codes: 0 ok, 1 check failed / drift found, 2 usage error.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatVerdict } from './check.ts';
import type { Contract } from './model.ts';
import { verifyServer } from './verify.ts';
import { checkServer, loadServers, updateServer } from './workspace.ts';

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    strict: true,
    options: {
      base: { type: 'string' },
      expect: { type: 'string' },
      contract: { type: 'string' },
      token: { type: 'string' },
    },
  });
  const root = process.cwd();
  switch (command) {
    case 'check': {
      const base = values.base ?? process.env.CONTRACTS_BASE_REF;
      let failed = 0;
      for (const server of await loadServers(root, positionals)) {
        const result = checkServer(root, server, base);
        out(result.report);
        out('');
        if (result.problems.length > 0) failed++;
      }
      out(failed === 0 ? 'contracts: every server passes' : `contracts: ${failed} server(s) fail the check`);
      return failed === 0 ? 0 : 1;
    }
    case 'update': {
      let failed = 0;
      for (const server of await loadServers(root, positionals)) {
        const { check, written } = updateServer(root, server);
        out(check.report);
        out(
          written
            ? `→ wrote servers/${server.name}/contract.json (${check.generated.catalogHash})`
            : check.upToDate
              ? '→ already up to date'
              : '→ NOT written: fix the problems above first',
        );
        out('');
        if (!written && !check.upToDate) failed++;
      }
      return failed === 0 ? 0 : 1;
    }
    case 'hash': {
      for (const server of await loadServers(root, positionals)) {
        out(`${server.name}\t${checkServer(root, server).generated.catalogHash}`);
      }
      return 0;
    }
    case 'verify': {
      const url = positionals[0];
      if (url === undefined || (values.expect === undefined && values.contract === undefined)) {
        err(
          'usage: pnpm contracts verify <mcp-url> (--expect <sha256:hash> | --contract <contract.json>) [--token <bearer>]',
        );
        return 2;
      }
      const pinned =
        values.contract === undefined
          ? undefined
          : (JSON.parse(readFileSync(values.contract, 'utf8')) as Contract);
      const result = await verifyServer({
        url,
        expectHash: values.expect,
        pinned,
        token: values.token ?? process.env.MCP_TOKEN,
      });
      if (result.ok) {
        out(`OK: ${url} serves the pinned catalog ${result.expected}`);
      } else {
        out(`DRIFT: ${url} does not serve the pinned catalog ${result.expected}`);
        for (const p of result.problems) out(`- ${p}`);
        if (result.verdict && result.verdict.changes.length > 0)
          out(`\n${formatVerdict({ ...result.verdict, problems: [] })}`);
      }
      if (result.notVisible.length > 0) {
        out(
          `(not visible to this caller in tools/list, compared by hash only: ${result.notVisible.join(', ')})`,
        );
      }
      return result.ok ? 0 : 1;
    }
    default:
      err(
        'usage: pnpm contracts check [--base <git-ref>] [server...] | update [server...] | hash [server...] | verify <mcp-url> --expect <hash> | --contract <file>',
      );
      return 2;
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  err(`contracts: ${(error as Error).message}`);
  process.exitCode = 2;
}
