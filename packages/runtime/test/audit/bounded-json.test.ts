import { describe, expect, it } from 'vitest';
import { canonicalJson, makeRecord } from '../../src/audit/index.ts';
import type { AuditRecord } from '../../src/audit/record.ts';
import { recordFields } from './support.ts';

function record(overrides: Partial<AuditRecord>): AuditRecord {
  return recordFields({
    id: '6f1c2d1e-1111-4222-8333-444455556666',
    server: 'acme',
    name: 'update_account',
    subject: 'mallory',
    outcome: 'denied',
    errorCode: 'INSUFFICIENT_SCOPE',
    durationMs: 0,
    ...overrides,
  });
}

/** What PostgreSQL jsonb refuses: a \u0000 escape or an escaped lone surrogate anywhere in the text. */
function pgRefuses(value: unknown): boolean {
  return /\\u0000|\\ud[89ab][0-9a-f](?!\\ud[c-f])|(?<!\\ud[89ab][0-9a-f]{2})\\ud[c-f][0-9a-f]{2}/i.test(
    JSON.stringify(value),
  );
}

function nested(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('audit rows: every value PostgreSQL-safe and bounded', () => {
  it('makes object keys safe, not only values (NUL, lone surrogates, at any depth)', () => {
    const row = makeRecord(
      record({
        arguments: { 'a\u0000b': 1, '\ud800': 2, nested: [{ '\udfff\u0000': 'x\ud800' }] },
        detail: { 'k\u0000': 'v' },
      }),
    );
    expect(pgRefuses(row.arguments)).toBe(false);
    expect(pgRefuses(row.detail)).toBe(false);
    expect(Object.keys(row.arguments as object).sort()).toEqual(['a\uFFFDb', 'nested', '\uFFFD']);
  });

  it('stores an oversize argument as a digest plus a truncated excerpt, marked as such', () => {
    const huge = { blob: 'x'.repeat(900 * 1024) };
    const row = makeRecord(record({ arguments: huge }));
    const stored = row.arguments as Record<string, unknown>;
    expect(stored.$audit).toBe('truncated');
    expect(stored.exceeded).toEqual(['bytes']);
    expect(stored.complete).toBe(true);
    expect(stored.bytes).toBe(Buffer.byteLength(canonicalJson(huge)));
    expect(stored.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect((stored.excerpt as string).startsWith('{"blob":"xxx')).toBe(true);
    expect(JSON.stringify(row).length).toBeLessThan(20 * 1024);
  });

  it('bounds depth and key count without recursing (100,000 levels do not overflow the stack)', () => {
    const deep = makeRecord(record({ arguments: nested(100_000) }));
    expect(deep.arguments).toMatchObject({ $audit: 'truncated', depth: 100_000 });
    expect((deep.arguments as { exceeded: string[] }).exceeded).toContain('depth');
    const wide = makeRecord(
      record({ arguments: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, i])) }),
    );
    expect((wide.arguments as { exceeded: string[] }).exceeded).toContain('nodes');
  });

  it('keeps ordinary arguments as they are', () => {
    const args = { id: '001', name: 'Acme', tags: ['a', 'b'], nested: { n: 1.5, ok: true, none: null } };
    expect(makeRecord(record({ arguments: args })).arguments).toEqual(args);
  });

  it('bounds text columns and coerces typed columns to valid values', () => {
    const row = makeRecord(
      record({
        name: `acme://${'n'.repeat(100_000)}\u0000`,
        approvalId: 'not-a-uuid',
        durationMs: Number.NaN,
        resultBytes: 2 ** 40,
        touched: Array.from({ length: 5000 }, (_, i) => `crm:X/${i}`),
      }),
    );
    expect(row.name.length).toBeLessThan(1100);
    expect(row.approvalId).toBeNull();
    expect(row.durationMs).toBeNull();
    expect(row.resultBytes).toBeNull();
    expect(row.touched).toHaveLength(1000);
  });
});
