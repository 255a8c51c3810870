import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  type ErrorCode,
  isErrorCode,
  outcomeOf,
  SERVER_FAILURE_OUTCOMES,
  ToolError,
} from '../src/index.ts';

const ROOT = join(import.meta.dirname, '../../..');
const CODES = Object.keys(ERROR_CODES) as ErrorCode[];

/** Rows of the codes table in docs/errors.md: code → {outcome, retryable}. */
function documentedCodes(): Map<string, { outcome: string; retryable: string }> {
  const rows = new Map<string, { outcome: string; retryable: string }>();
  const doc = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
  for (const line of doc.split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    // | `CODE` | meaning | `outcome` | yes/no | wire | hint |
    const code = /^`([A-Z][A-Z0-9_]*)`$/.exec(cells[1] ?? '')?.[1];
    if (code === undefined || cells.length < 7) continue;
    rows.set(code, { outcome: (cells[3] ?? '').replaceAll('`', ''), retryable: cells[4] ?? '' });
  }
  return rows;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

/** Every `src/` of the protocol, the runtime and each server (where codes reach callers). */
function srcDirs(): string[] {
  const servers = readdirSync(join(ROOT, 'servers')).map((s) => join(ROOT, 'servers', s, 'src'));
  return [join(ROOT, 'packages/protocol/src'), join(ROOT, 'packages/runtime/src'), ...servers].filter((d) =>
    statSync(d, { throwIfNoEntry: false })?.isDirectory(),
  );
}

/**
 * Where a code is created: `new SomeError('CODE'`, `code: 'CODE'`, `errorCode: 'CODE'`, `code = 'CODE'`,
 * an HTTP reply helper `(reply, 404, 'CODE'`, a `Code` constant table entry `Name: 'CODE_X'`.
 * Foreign codes a server only reads (Salesforce's `case 'INVALID_SESSION_ID':`) do not match.
 */
const CREATED = [
  /new [A-Z]\w*Error\(\s*'([A-Z][A-Z0-9_]+)'/g,
  /\b(?:code|errorCode)\s*(?::|=(?!=))\s*'([A-Z][A-Z0-9_]+)'/g,
  /\(\s*reply,\s*\d{3},\s*'([A-Z][A-Z0-9_]+)'/g,
  /\brefused\(\s*\d{3},\s*'([A-Z][A-Z0-9_]+)'/g,
];

describe('error-code registry', () => {
  it('gives every code a meaning, a hint that says what to do, and an outcome class', () => {
    for (const code of CODES) {
      const spec = ERROR_CODES[code];
      expect(spec.meaning.length, code).toBeGreaterThan(10);
      expect(spec.hint.length, code).toBeGreaterThan(10);
      expect(outcomeOf(code)).toBe(spec.outcome);
    }
  });

  it('classifies caller mistakes as client errors, never as server-side failures', () => {
    for (const code of ['NOT_FOUND', 'INVALID_CURSOR', 'INVALID_ARGUMENTS', 'VALIDATION_FAILED'] as const) {
      expect(outcomeOf(code)).toBe('client_error');
      expect(SERVER_FAILURE_OUTCOMES).not.toContain(outcomeOf(code));
    }
    expect(outcomeOf('PERMISSION_DENIED')).toBe('denied');
    expect(outcomeOf('APPROVAL_PENDING')).toBe('approval_pending');
    expect(outcomeOf('UPSTREAM_UNAVAILABLE')).toBe('upstream_unavailable');
    expect(SERVER_FAILURE_OUTCOMES).toContain(outcomeOf('INTERNAL_ERROR'));
  });

  it('counts an unregistered code as an error, so a mistake shows instead of being excused', () => {
    expect(isErrorCode('NOT_A_REGISTERED_CODE')).toBe(false);
    expect(outcomeOf('NOT_A_REGISTERED_CODE')).toBe('error');
    expect(outcomeOf(undefined)).toBe('error');
    expect(isErrorCode('toString')).toBe(false);
  });

  it('fills retryable and hint of a ToolError from the registry unless the error says otherwise', () => {
    const plain = new ToolError('RATE_LIMITED', 'Slow down');
    expect(plain.toContent()).toEqual({
      code: 'RATE_LIMITED',
      message: 'Slow down',
      retryable: true,
      hint: ERROR_CODES.RATE_LIMITED.hint,
    });
    const specific = new ToolError('NOT_FOUND', 'No account 001', { hint: 'Search accounts first.' });
    expect(specific.retryable).toBe(false);
    expect(specific.hint).toBe('Search accounts first.');
  });

  it('documents every registered code in docs/errors.md with the same outcome and retryability', () => {
    const documented = documentedCodes();
    const problems: string[] = [];
    for (const code of CODES) {
      const row = documented.get(code);
      const spec = ERROR_CODES[code];
      if (!row) problems.push(`${code}: registered but has no row in docs/errors.md`);
      else {
        if (row.outcome !== spec.outcome)
          problems.push(`${code}: docs say outcome ${row.outcome}, the registry ${spec.outcome}`);
        if (row.retryable !== (spec.retryable ? 'yes' : 'no'))
          problems.push(`${code}: docs say retryable ${row.retryable}, the registry ${spec.retryable}`);
      }
    }
    for (const code of documented.keys()) {
      if (!isErrorCode(code)) problems.push(`${code}: documented in docs/errors.md but not registered`);
    }
    expect(problems).toEqual([]);
    expect(documented.size).toBe(CODES.length);
  });

  it('registers every code the sources create', () => {
    const unregistered: string[] = [];
    let seen = 0;
    for (const dir of srcDirs()) {
      for (const file of sourceFiles(dir)) {
        const text = readFileSync(file, 'utf8');
        for (const pattern of CREATED) {
          for (const match of text.matchAll(pattern)) {
            seen++;
            const code = match[1]!;
            if (!isErrorCode(code)) unregistered.push(`${relative(ROOT, file)}: ${code}`);
          }
        }
      }
    }
    // The scan must see the codes it guards (the crm's NOT_FOUND, the approvals table, ...).
    expect(seen).toBeGreaterThan(40);
    expect(unregistered).toEqual([]);
  });

  it('the scan catches a code created outside the registry', () => {
    const text = `throw new ToolError('TICKET_GONE', 'x'); send(reply, 404, 'NOPE'); const e = { code: 'MADE_UP' };`;
    const found = CREATED.flatMap((p) => [...text.matchAll(p)].map((m) => m[1]));
    expect(found.sort()).toEqual(['MADE_UP', 'NOPE', 'TICKET_GONE']);
  });
});
