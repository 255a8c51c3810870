import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PACKAGE_NAME = '@mcp-platform/server-knowledge';

/**
 * The package root, found by walking up from this module to our package.json. Works from both
 * `src/` (source runs) and `dist/src/` (built runs), so non-TS assets (`sql/`, `migrations/`) need no copy step.
 */
function findPackageRoot(start: string): string {
  let dir = start;
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string };
      if (name === PACKAGE_NAME) return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`${PACKAGE_NAME}: package.json not found above ${start}`);
    dir = parent;
  }
}

export const PACKAGE_ROOT = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
export const SQL_DIR = join(PACKAGE_ROOT, 'sql');
/** The index's versioned migrations, run by the kit's migration runner. */
export const MIGRATIONS_DIR = join(PACKAGE_ROOT, 'migrations');
