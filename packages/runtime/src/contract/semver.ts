import type { ChangeLevel } from './schema-diff.ts';

export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease: string | undefined;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

export function parseSemver(version: string): SemVer | undefined {
  const m = SEMVER.exec(version);
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: m[4] };
}

export function compareSemver(a: SemVer, b: SemVer): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/**
 * What a version change allows. Before 1.0.0 the scheme Cargo and npm's caret use applies: 0.y → 0.(y+1)
 * is a breaking (major) release and 0.y.z → 0.y.(z+1) allows minor and patch changes.
 */
export function bumpLevel(from: SemVer, to: SemVer): ChangeLevel | 'none' | 'downgrade' {
  const order = compareSemver(to, from);
  if (order < 0) return 'downgrade';
  if (order === 0) return 'none';
  if (to.major > from.major) return 'major';
  if (from.major === 0) return to.minor > from.minor ? 'major' : 'minor';
  return to.minor > from.minor ? 'minor' : 'patch';
}

/** The smallest version after `from` that allows changes of `level`. */
export function nextVersion(from: SemVer, level: ChangeLevel): string {
  if (level === 'major') {
    return from.major === 0 ? `0.${from.minor + 1}.0` : `${from.major + 1}.0.0`;
  }
  if (level === 'minor' && from.major > 0) return `${from.major}.${from.minor + 1}.0`;
  return `${from.major}.${from.minor}.${from.patch + 1}`;
}
