import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineTool } from '@mcp-platform/protocol';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { buildContract, contractText, offlineDependency } from '../../src/contract/build.ts';
import { judge } from '../../src/contract/check.ts';
import { checkServer, type ServerPackage, updateServer } from '../../src/contract/workspace.ts';
import { type FixtureOptions, fixtureDefinition } from './fixture-server.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A fixture server folder whose contract.json holds the reviewed 1.0.0 catalog. */
function fixtureServer(options: FixtureOptions = {}, reviewed: FixtureOptions = {}): ServerPackage {
  const dir = mkdtempSync(join(tmpdir(), 'contract-fixture-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'contract.json'), contractText(buildContract(fixtureDefinition(reviewed))));
  const version = options.version ?? '1.0.0';
  return { name: 'orders', dir, packageVersion: version, definition: () => fixtureDefinition(options) };
}

const levels = (before: FixtureOptions, after: FixtureOptions) =>
  judge(buildContract(fixtureDefinition(before)), buildContract(fixtureDefinition(after)));

describe('pnpm contracts check on a fixture server', () => {
  it('passes when nothing changed', () => {
    const result = checkServer('/', fixtureServer());
    expect(result.problems).toEqual([]);
    expect(result.upToDate).toBe(true);
  });

  it('fails a breaking input-schema change without a major bump, with a readable classified diff', () => {
    const result = checkServer('/', fixtureServer({ requiredRegion: true, version: '1.1.0' }));
    expect(result.verdict.level).toBe('major');
    expect(result.problems.join('\n')).toContain(
      'the changes are MAJOR but the version went 1.0.0 → 1.1.0 (minor)',
    );
    expect(result.problems.join('\n')).toContain(
      'set "version" in servers/orders/package.json to 2.0.0 or later',
    );
    expect(result.report).toContain('| level | entry | change |');
    expect(result.report).toContain(
      '| MAJOR | tool `search_orders` | input: required argument region added |',
    );
  });

  it('accepts the same change with a major bump once the file is regenerated', () => {
    const server = fixtureServer({ requiredRegion: true, version: '2.0.0' });
    expect(checkServer('/', server).problems.join('\n')).toContain(
      'contract.json is not what the code generates',
    );
    const { written } = updateServer('/', server, new Date('2026-12-06T00:00:00Z'));
    expect(written).toBe(true);
    expect(checkServer('/', server).problems).toEqual([]);
    const changelog = readFileSync(join(server.dir, 'CHANGELOG.md'), 'utf8');
    expect(changelog).toContain('## 2.0.0 — 2026-12-06');
    expect(changelog).toContain('### Breaking (major)');
    expect(changelog).toContain('- tool `search_orders`: input: required argument region added');
  });

  it('needs only a patch bump for a description-only change', () => {
    const unbumped = checkServer('/', fixtureServer({ rewordSearch: true }));
    expect(unbumped.verdict.level).toBe('patch');
    expect(unbumped.report).toContain('| PATCH | tool `search_orders` | description changed:');
    expect(unbumped.problems.join('\n')).toContain('to 1.0.1 or later');
    const server = fixtureServer({ rewordSearch: true, version: '1.0.1' });
    expect(updateServer('/', server).written).toBe(true);
    expect(checkServer('/', server).problems).toEqual([]);
  });

  it('refuses to update (writes nothing) while the version is too low', () => {
    const server = fixtureServer({ requiredRegion: true, version: '1.0.1' });
    const before = readFileSync(join(server.dir, 'contract.json'), 'utf8');
    expect(updateServer('/', server).written).toBe(false);
    expect(readFileSync(join(server.dir, 'contract.json'), 'utf8')).toBe(before);
  });

  it('fails a bumped version whose contract file was not regenerated', () => {
    const result = checkServer('/', fixtureServer({ version: '1.0.1' }));
    expect(result.problems.join('\n')).toContain('run `pnpm contracts update orders`');
  });

  it('fails when the definition does not report the package version', () => {
    const server = { ...fixtureServer(), packageVersion: '1.2.0' };
    expect(checkServer('/', server).problems.join('\n')).toContain('is not the package version 1.2.0');
  });
});

describe('--base: judging against the contract of a git ref (the pull request base)', () => {
  it('catches a change that was regenerated in two steps without the bump the base needs', () => {
    const root = mkdtempSync(join(tmpdir(), 'contract-git-'));
    dirs.push(root);
    const dir = join(root, 'servers', 'orders');
    mkdirSync(dir, { recursive: true });
    const git = (...args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'ignore' });
    git('init', '-q');
    writeFileSync(join(dir, 'contract.json'), contractText(buildContract(fixtureDefinition())));
    git('add', '.');
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'base');
    // A patch release regenerated on the branch, then a breaking change folded into it unbumped.
    writeFileSync(
      join(dir, 'contract.json'),
      contractText(buildContract(fixtureDefinition({ requiredRegion: true, version: '1.0.1' }))),
    );
    const server: ServerPackage = {
      name: 'orders',
      dir,
      packageVersion: '1.0.1',
      definition: () => fixtureDefinition({ requiredRegion: true, version: '1.0.1' }),
    };
    expect(checkServer(root, server).problems).toEqual([]);
    const against = checkServer(root, server, 'HEAD');
    expect(against.problems.join('\n')).toContain('against HEAD: the changes are MAJOR');
    expect(against.report).toContain('Against HEAD:');
  });
});

describe('catalog changes beyond schemas', () => {
  it('new tool is minor; removing one is major', () => {
    const extra = defineTool({
      name: 'count_orders',
      description: 'Counts orders.',
      input: z.object({}),
      handler: async () => ({ content: [{ type: 'text', text: '0' }] }),
    });
    expect(levels({}, { extra, version: '1.1.0' }).level).toBe('minor');
    const removed = levels({}, { dropGetOrder: true, version: '2.0.0' });
    expect(removed.level).toBe('major');
    expect(removed.changes.map((c) => c.message)).toContain('tool removed (or renamed)');
    expect(removed.problems).toEqual([]);
  });

  it('an output field removed is major, even inside the advertised error-or-result anyOf', () => {
    const verdict = levels({}, { dropTotal: true, version: '1.1.0' });
    expect(verdict.level).toBe('major');
    expect(verdict.changes.map((c) => c.message)).toContain('output: output field orders[].total removed');
  });

  it('a definition that touches its backend while being built fails generation loudly', () => {
    const backend = offlineDependency<{ kind: string }>('The orders backend');
    expect(() => buildContract({ ...fixtureDefinition(), title: backend.kind })).toThrow(
      'The orders backend is not available while generating the contract (used: kind)',
    );
  });

  it('annotation made less safe is major, safer is minor', () => {
    const lessSafe = levels({ cancelReadOnly: true }, { cancelReadOnly: false });
    expect(lessSafe.level).toBe('major');
    expect(lessSafe.changes.map((c) => c.message)).toContain(
      'annotation readOnlyHint true → false (less safe)',
    );
    expect(levels({ cancelReadOnly: false }, { cancelReadOnly: true }).changes.map((c) => c.level)).toContain(
      'minor',
    );
  });

  it('approval loosened is major, tightened is minor', () => {
    expect(levels({ approval: 'approver' }, { approval: 'confirm' }).level).toBe('major');
    expect(levels({ approval: 'confirm' }, { approval: 'approver' }).level).toBe('minor');
    expect(levels({ approval: 'confirm' }, { approval: 'none' }).changes.map((c) => c.message)).toContain(
      'approval loosened: confirm → none',
    );
  });

  it("letting the agent's re-call confirm is an approval loosening (major); taking it back is minor", () => {
    const loosened = levels({}, { agentMayConfirm: true });
    expect(loosened.level).toBe('major');
    expect(loosened.changes.map((c) => c.message).join('\n')).toContain('agentMayConfirm');
    expect(levels({ agentMayConfirm: true }, {}).level).toBe('minor');
    expect(buildContract(fixtureDefinition({ agentMayConfirm: true })).catalogHash).not.toBe(
      buildContract(fixtureDefinition()).catalogHash,
    );
  });

  it('scopes loosened are major, tightened minor — and both change the catalog hash', () => {
    const base = { cancelScopes: ['orders:admin'] };
    const loosened = levels(base, { cancelScopes: ['orders:admin', 'orders:write'] });
    expect(loosened.level).toBe('major');
    expect(levels({ cancelScopes: ['orders:admin', 'orders:write'] }, base).level).toBe('minor');
    // The MCP-visible descriptor is the same; the hash still moves.
    const a = buildContract(fixtureDefinition(base));
    const b = buildContract(fixtureDefinition({ cancelScopes: ['orders:admin', 'orders:write'] }));
    expect(a.tools.find((t) => t.name === 'cancel_order')?.inputSchema).toEqual(
      b.tools.find((t) => t.name === 'cancel_order')?.inputSchema,
    );
    expect(a.catalogHash).not.toBe(b.catalogHash);
    expect(buildContract(fixtureDefinition({ approval: 'approver' })).catalogHash).not.toBe(
      buildContract(fixtureDefinition()).catalogHash,
    );
  });

  it('the same definitions always give the same bytes, and the version is not part of the hash', () => {
    const a = contractText(buildContract(fixtureDefinition()));
    expect(contractText(buildContract(fixtureDefinition()))).toBe(a);
    expect(buildContract(fixtureDefinition({ version: '9.9.9' })).catalogHash).toBe(
      buildContract(fixtureDefinition()).catalogHash,
    );
  });
});

describe('deprecation', () => {
  it('marks the description and is a minor change', () => {
    const contract = buildContract(fixtureDefinition({ deprecateGetOrder: '2.0.0' }));
    const tool = contract.tools.find((t) => t.name === 'get_order');
    expect(tool?.description).toBe(
      'DEPRECATED: removed in version 2.0.0. Use get_order_v2 instead. get_order_v2 also returns the order lines. One order by id.',
    );
    const verdict = levels({}, { deprecateGetOrder: '2.0.0', version: '1.1.0' });
    expect(verdict.level).toBe('minor');
    expect(verdict.problems).toEqual([]);
  });

  it('refuses removal before the stated version, even with a major bump', () => {
    const verdict = levels(
      { deprecateGetOrder: '3.0.0', version: '1.1.0' },
      { dropGetOrder: true, version: '2.0.0' },
    );
    expect(verdict.problems).toContain(
      'tool get_order is deprecated with removal in 3.0.0; it cannot be removed in 2.0.0',
    );
    expect(
      levels({ deprecateGetOrder: '3.0.0', version: '2.4.0' }, { dropGetOrder: true, version: '3.0.0' })
        .problems,
    ).toEqual([]);
  });

  it('refuses a removal version that gives no major version of notice', () => {
    const verdict = levels({ version: '1.0.0' }, { deprecateGetOrder: '1.5.0', version: '1.1.0' });
    expect(verdict.problems.join('\n')).toContain(
      'removal in 1.5.0 leaves no major version of notice; use 2.0.0 or later',
    );
  });
});
