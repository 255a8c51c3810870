import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contractText } from '../../src/contract/build.ts';
import { type FullStack, startFullStack } from '../../src/testing/full-stack.ts';
import { fixtureDefinition } from './fixture-server.ts';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const CLI = 'packages/runtime/src/contract/cli.ts';

function contracts(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--conditions=@mcp-platform/source', CLI, ...args],
      { cwd: ROOT, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('pnpm contracts verify against a running server', () => {
  let stack: FullStack;
  let dir: string;
  beforeAll(async () => {
    // AUTH off on loopback: the verifier needs no token to list tools.
    stack = await startFullStack({
      definition: fixtureDefinition({ rewordSearch: true }),
      env: { AUTH_MODE: 'none', LOG_LEVEL: 'error' },
    });
    dir = mkdtempSync(join(tmpdir(), 'contracts-cli-'));
  });
  afterAll(async () => {
    await stack?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits 0 when the served catalog is the pinned one', async () => {
    const run = await contracts([
      'verify',
      `${stack.url}/mcp`,
      '--expect',
      stack.server.contract.catalogHash,
    ]);
    expect(run.stdout).toContain(`OK: ${stack.url}/mcp serves the pinned catalog`);
    expect(run.code).toBe(0);
  }, 90_000);

  it('exits 1 and prints the classified drift against a pinned contract file', async () => {
    const pinnedFile = join(dir, 'pinned.json');
    const { buildContract } = await import('../../src/contract/build.ts');
    writeFileSync(pinnedFile, contractText(buildContract(fixtureDefinition(), { approvals: false })));
    const run = await contracts(['verify', `${stack.url}/mcp`, '--contract', pinnedFile]);
    expect(run.stdout).toContain('DRIFT:');
    expect(run.stdout).toContain('| PATCH | tool `search_orders` | description changed:');
    expect(run.code).toBe(1);
  }, 90_000);

  it('hash prints the catalog hash a server commits', async () => {
    const committed = JSON.parse(readFileSync(join(ROOT, 'servers/crm/contract.json'), 'utf8')) as {
      catalogHash: string;
    };
    const run = await contracts(['hash', 'crm']);
    expect(run.stdout).toBe(`crm\t${committed.catalogHash}\n`);
    expect(run.code).toBe(0);
  }, 90_000);

  it('explains its usage when the expectation is missing', async () => {
    const run = await contracts(['verify', `${stack.url}/mcp`]);
    expect(run.stderr).toContain('usage: pnpm contracts verify <mcp-url>');
    expect(run.code).toBe(2);
  }, 90_000);
});
