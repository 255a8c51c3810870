import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as runtime from '../src/index.ts';
import * as testing from '../src/testing/index.ts';

/**
 * The runtime's public surface is what servers use. Adding a value here is a deliberate change:
 * extend this list in the same commit (types are guarded by `tsc`, which fails a server that
 * imports one no longer exported).
 */
const PUBLIC_VALUES = [
  'backendMetrics',
  'baseConfigSchema',
  'callScopedAgent',
  'checkServer',
  'ConfigError',
  'createMetrics',
  'createServer',
  'dataFlagsSchema',
  'detectInstructions',
  'flagBackendData',
  'loadConfig',
  'loadServers',
  'markUntrusted',
  'neutraliseUntrusted',
  'offlineDependency',
  'packageVersion',
  'pageOutput',
  'pageResult',
  'parseEnv',
  'queryWithCallSignal',
  'recordRendering',
  'runServer',
  'suspectPatternsAt',
  'untrustedFlags',
  'verifyServer',
  'withDataFlags',
  'wrapUntrusted',
];

const TESTING_VALUES = ['migrateServer', 'startFullStack', 'startLocalIssuer'];

const sorted = (names: readonly string[]) => [...names].sort((a, b) => a.localeCompare(b));

describe('@mcp-platform/runtime public surface', () => {
  it('exports exactly the listed values from its index', () => {
    expect(sorted(Object.keys(runtime))).toEqual(sorted(PUBLIC_VALUES));
  });

  it('keeps test helpers on the ./testing subpath, not in the index', () => {
    expect(sorted(Object.keys(testing))).toEqual(sorted(TESTING_VALUES));
    for (const name of TESTING_VALUES) expect(Object.keys(runtime)).not.toContain(name);
  });

  it('declares the ./testing subpath in package.json exports', async () => {
    const manifest = JSON.parse(readFileSync(join(import.meta.dirname, '../package.json'), 'utf8')) as {
      exports: Record<string, Record<string, string>>;
    };
    expect(Object.keys(manifest.exports).sort()).toEqual(['.', './testing']);
    expect(manifest.exports['./testing']?.['@mcp-platform/source']).toBe('./src/testing/index.ts');
    // Resolvable by its package name, as servers import it.
    const viaName = await import('@mcp-platform/runtime/testing');
    expect(typeof viaName.startFullStack).toBe('function');
  });
});
