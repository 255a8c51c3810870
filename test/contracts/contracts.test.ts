import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { checkServer, loadServers } from '@mcp-platform/runtime';
import { describe, expect, it } from 'vitest';

/**
 * `pnpm contracts check` as part of `pnpm test`: every server's committed contract.json must be
 * exactly what its definitions generate, and the version must have moved at least as far as the
 * classified changes need (against the committed file, and against CONTRACTS_BASE_REF when CI sets it).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const servers = await loadServers(ROOT);

describe('tool contracts of every server', () => {
  it('finds the servers under servers/', () => {
    expect(servers.map((s) => s.name)).toEqual(expect.arrayContaining(['crm', 'knowledge']));
  });

  for (const server of servers) {
    it(`${server.name}: contract.json is current and the version bump covers the changes`, () => {
      const result = checkServer(ROOT, server, process.env.CONTRACTS_BASE_REF);
      // On failure the message is the classified diff a reviewer reads.
      expect(result.problems, `\n${result.report}\n`).toEqual([]);
      expect(result.generated.server.version).toBe(server.packageVersion);
    });
  }

  it('pnpm contracts check (the CLI) passes and prints one verdict per server', async () => {
    const { code, stdout } = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--conditions=@mcp-platform/source', 'packages/runtime/src/contract/cli.ts', 'check'],
        { cwd: ROOT, timeout: 120_000 },
        (error, out) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout: out }),
      );
    });
    expect(stdout).toContain('contracts: every server passes');
    for (const server of servers) expect(stdout).toContain(`### ${server.name} `);
    expect(code).toBe(0);
  }, 150_000);
});
