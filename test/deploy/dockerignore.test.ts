import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const patterns = (file: string) =>
  readFileSync(join(ROOT, file), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));

describe('image build context (.dockerignore)', () => {
  // What git ignores is written by builds and tests (test-results/, .data/, dist/, logs). In the
  // context it would change the Dockerfile's `COPY . .` layer while a CI run's tests write it, and
  // the cluster suite would rebuild every image instead of taking the `images` phase's from the cache.
  it('leaves out everything git ignores, at any depth', () => {
    const excluded = new Set(patterns('.dockerignore'));
    const missing = patterns('.gitignore')
      .map((pattern) => pattern.replace(/\/$/, ''))
      .filter((pattern) => !excluded.has(pattern.includes('/') ? pattern : `**/${pattern}`));
    expect(missing, 'add these to .dockerignore as **/<pattern>').toEqual([]);
  });
});
