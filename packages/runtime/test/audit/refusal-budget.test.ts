import { defineTool, type ServerDefinition } from '@mcp-platform/protocol';
import { describeWithPostgres } from '@mcp-platform/test-support';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { verifyChains } from '../../src/audit/index.ts';
import { RefusalBudget } from '../../src/audit/refusal-budget.ts';
import type { AuditTrail } from '../../src/audit/trail.ts';
import { type FullStack, startFullStack } from '../../src/testing/full-stack.ts';
import { bearer, postMcp } from '../helpers.ts';
import { auditRecord, createTestDatabase } from './support.ts';

/**
 * Issue 9, item 6: a principal flooding refused calls cannot write unbounded audit volume. Past its
 * budget (AUDIT_REFUSALS_PER_MINUTE) a refusal is answered RATE_LIMITED and counted in one summary
 * row per principal and window; every call is still on record, other callers are unaffected.
 */
const definition: ServerDefinition = {
  name: 'ledger',
  version: '1.0.0',
  tools: [
    defineTool({
      name: 'post_entry',
      description: 'Posts an entry.',
      input: z.object({ memo: z.string().max(100) }),
      annotations: { readOnlyHint: false },
      handler: async () => ({ content: [{ type: 'text', text: 'posted' }] }),
    }),
    defineTool({
      name: 'read_entry',
      description: 'Reads an entry.',
      input: z.object({ id: z.string().max(20) }),
      annotations: { readOnlyHint: true },
      handler: async (args) => ({ content: [{ type: 'text', text: `entry ${args.id}` }] }),
    }),
  ],
};

const BUDGET = 5;
const HUGE = 'x'.repeat(900 * 1024);

describeWithPostgres(
  'refused calls past a principal’s budget are folded into one summary row',
  (databaseUrl) => {
    let db: Awaited<ReturnType<typeof createTestDatabase>>;
    let stack: FullStack;
    let malloryToken: string;
    let aliceToken: string;

    async function call(token: string, name: string, args: Record<string, unknown>, id = 1) {
      const out = await postMcp(
        stack.url,
        { id, method: 'tools/call', params: { name, arguments: args } },
        bearer(token),
      );
      // biome-ignore lint/suspicious/noExplicitAny: a JSON-RPC answer read field by field below
      return { status: out.status, retryAfter: out.headers.get('retry-after'), json: out.body as any };
    }

    beforeAll(async () => {
      db = await createTestDatabase(databaseUrl, 'refusal_budget');
      stack = await startFullStack({
        definition,
        databaseUrl: db.url,
        env: { LOG_LEVEL: 'silent', AUDIT_REFUSALS_PER_MINUTE: String(BUDGET) },
      });
      malloryToken = await stack.token('ledger:read', 'mallory@example.com');
      aliceToken = await stack.token('ledger:read ledger:write', 'alice@example.com');
    });
    afterAll(async () => {
      await db?.drop();
    });

    it('twenty 900 KB refused calls: five rows in full, the rest RATE_LIMITED and one summary; alice unaffected', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) {
        const out = await call(malloryToken, 'post_entry', { memo: HUGE }, i);
        statuses.push(out.status);
        if (out.status === 429) {
          expect(out.json.error.data).toMatchObject({ code: 'RATE_LIMITED', retryable: true });
          expect(Number(out.retryAfter)).toBeGreaterThan(0);
        }
      }
      expect(statuses).toEqual([...Array(BUDGET).fill(403), ...Array(20 - BUDGET).fill(429)]);
      // Refused for invalid arguments, with the budget spent: answered RATE_LIMITED, not processed.
      const invalid = await call(malloryToken, 'read_entry', { id: HUGE.slice(0, 1000) });
      expect(invalid.json.result).toMatchObject({
        isError: true,
        structuredContent: { code: 'RATE_LIMITED' },
      });
      // Mallory's valid reads still work; so does everything alice does, refusals included.
      expect((await call(malloryToken, 'read_entry', { id: 'e1' })).json.result.content[0].text).toBe(
        'entry e1',
      );
      expect((await call(aliceToken, 'post_entry', { memo: 'ok' })).json.result.content[0].text).toBe(
        'posted',
      );
      const aliceInvalid = await call(aliceToken, 'read_entry', { id: HUGE.slice(0, 1000) });
      expect(aliceInvalid.json.result.structuredContent.code).toBe('INVALID_ARGUMENTS');

      const metrics = await (await fetch(`${stack.url}/metrics`)).text();
      expect(metrics).toMatch(/^mcp_audit_refusals_folded_total(\{[^}]*\})? 16$/m);
      // Shutting down writes the open window's summary.
      await stack.close();
      const pool = new pg.Pool({ connectionString: db.url, max: 1 });
      try {
        const { rows } = await pool.query<{
          subject: string;
          event: string;
          outcome: string;
          error_code: string;
          detail: Record<string, unknown> | null;
          bytes: number;
        }>(
          `SELECT subject, event, outcome, error_code, detail, octet_length(arguments::text) AS bytes
           FROM audit_log ORDER BY chain_seq`,
        );
        const mallory = rows.filter((r) => r.subject === 'mallory@example.com');
        const denied = mallory.filter((r) => r.event === 'call' && r.outcome === 'denied');
        expect(denied).toHaveLength(BUDGET);
        const summaries = mallory.filter((r) => r.event === 'refusals.summary');
        expect(summaries).toHaveLength(1);
        expect(summaries[0]).toMatchObject({ outcome: 'rate_limited', error_code: 'RATE_LIMITED' });
        expect(summaries[0]!.detail).toMatchObject({
          folded: 20 - BUDGET + 1,
          recordedInFull: BUDGET,
          calls: { 'tool:post_entry': 20 - BUDGET, 'tool:read_entry': 1 },
          errorCodes: { INSUFFICIENT_SCOPE: 20 - BUDGET, INVALID_ARGUMENTS: 1 },
        });
        expect(summaries[0]!.detail!.digest).toMatch(/^[0-9a-f]{64}$/);
        // The flood wrote kilobytes, not the 18 MB it once did.
        const floodBytes = mallory.reduce((sum, r) => sum + r.bytes, 0);
        expect(floodBytes).toBeLessThan(BUDGET * 20 * 1024);
        expect(mallory.some((r) => r.event === 'call' && r.outcome === 'ok')).toBe(true);
        const alice = rows.filter((r) => r.subject === 'alice@example.com' && r.event === 'call');
        expect(alice.map((r) => r.error_code).sort()).toEqual(['INVALID_ARGUMENTS', null].sort());
        expect((await verifyChains(pool)).broken).toEqual([]);
      } finally {
        await pool.end();
      }
    });
  },
);

describe('RefusalBudget windows', () => {
  function row(subject: string, name: string) {
    return auditRecord({
      at: new Date(0).toISOString(),
      server: 'ledger',
      name,
      subject,
      arguments: { memo: name },
      outcome: 'denied',
      errorCode: 'INSUFFICIENT_SCOPE',
      durationMs: 0,
    });
  }

  it('opens a new budget each window, writes one summary per folded window, and none when nothing was folded', () => {
    const written: Array<{ subject: string; event: string; detail: Record<string, unknown> | null }> = [];
    const trail = { record: (r: (typeof written)[number]) => written.push(r) } as unknown as AuditTrail;
    let now = 1_000_000;
    const budget = new RefusalBudget({
      server: 'ledger',
      trail,
      perWindow: 2,
      windowMs: 60_000,
      now: () => now,
    });
    const admitted = [1, 2, 3, 4].map(() => budget.admit(row('eve', 'a')));
    expect(admitted).toEqual([true, true, false, false]);
    expect(budget.admit(row('bob', 'a'))).toBe(true);
    expect(written).toHaveLength(0);
    now += 60_000;
    // Eve's next refusal opens a new window: the previous one's summary is written first.
    expect(budget.admit(row('eve', 'b'))).toBe(true);
    expect(written).toEqual([expect.objectContaining({ subject: 'eve', event: 'refusals.summary' })]);
    expect(written[0]!.detail).toMatchObject({ folded: 2, calls: { 'tool:a': 2 } });
    budget.close();
    expect(written).toHaveLength(1);
  });

  it('with a budget of 0 records every refusal', () => {
    const trail = { record: () => {} } as unknown as AuditTrail;
    const budget = new RefusalBudget({ server: 'ledger', trail, perWindow: 0 });
    expect(Array.from({ length: 100 }, () => budget.admit(row('eve', 'a'))).every(Boolean)).toBe(true);
    budget.close();
  });
});
