import {
  ANONYMOUS,
  type CallContext,
  type ContentResult,
  Dispatcher,
  defineTool,
  ERROR_CODES,
  type ErrorCode,
  outcomeOf,
  ToolError,
} from '@mcp-platform/protocol';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { auditInterceptor } from '../../src/audit/interceptor.ts';
import type { AuditRecord } from '../../src/audit/record.ts';
import type { AuditTrail } from '../../src/audit/trail.ts';
import { observabilityFeature } from '../../src/observability/feature.ts';
import { createMetrics } from '../../src/observability/metrics.ts';

/** The trail's storage side only: the rows the audit interceptor hands it. */
function recordingTrail(rows: AuditRecord[]): AuditTrail {
  return {
    reserve: () => 0,
    databaseDown: false,
    record: (row: AuditRecord) => rows.push(row),
    recordDurably: async (row: AuditRecord) => rows.push(row) > 0,
    recordNow: async (row: AuditRecord) => void rows.push(row),
  } as unknown as AuditTrail;
}

function ctx(): CallContext {
  return {
    log: pino({ level: 'silent' }) as unknown as CallContext['log'],
    signal: new AbortController().signal,
    progress: () => {},
    caller: ANONYMOUS,
    client: { era: '2026', protocolVersion: '2026-07-28' },
    correlationId: 'req-1',
    touch: () => {},
    clientLog: () => {},
  };
}

/** A server whose tool `fail_<mode>` ends with `code`, thrown or returned as an `isError` result. */
function harness() {
  const metrics = createMetrics({ server: 'agree', processMetrics: false });
  const rows: AuditRecord[] = [];
  let code: ErrorCode = 'NOT_FOUND';
  const tool = (name: string, handler: () => Promise<ContentResult>) =>
    defineTool({
      name,
      description: 'Fails with the code under test.',
      input: z.object({}),
      annotations: { readOnlyHint: true },
      handler,
    });
  const dispatcher = new Dispatcher(
    {
      name: 'agree',
      version: '1.0.0',
      tools: [
        tool('thrown', async () => {
          throw new ToolError(code, `failed with ${code}`);
        }),
        tool('returned', async () => ({
          content: [{ type: 'text', text: `failed with ${code}` }],
          structuredContent: new ToolError(code, `failed with ${code}`).toContent(),
          isError: true,
        })),
      ],
    },
    {
      interceptors: [
        ...observabilityFeature(metrics).interceptors!,
        auditInterceptor(recordingTrail(rows), 'agree'),
      ],
    },
  );
  return {
    metrics,
    rows,
    async call(name: 'thrown' | 'returned', next: ErrorCode) {
      code = next;
      await dispatcher.callTool({ name, arguments: {} }, ctx());
    },
  };
}

async function counted(metrics: ReturnType<typeof createMetrics>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const value of (await metrics.toolCalls.get()).values) {
    out.set(String(value.labels.outcome), value.value);
  }
  return out;
}

describe('metrics and audit agree on every registered code', () => {
  it.each(['thrown', 'returned'] as const)(
    'labels each %s code with the registry outcome in both the metric and the audit row',
    async (mode) => {
      const h = harness();
      const disagreements: string[] = [];
      for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
        const before = await counted(h.metrics);
        const rowsBefore = h.rows.length;
        await h.call(mode, code);
        const after = await counted(h.metrics);
        const incremented = [...after].filter(([k, v]) => v !== (before.get(k) ?? 0)).map(([k]) => k);
        const row = h.rows.at(-1);
        const expected = outcomeOf(code);
        if (incremented.length !== 1 || incremented[0] !== expected)
          disagreements.push(`${code}: metric ${incremented.join(',')} expected ${expected}`);
        if (h.rows.length !== rowsBefore + 1 || row?.outcome !== expected || row?.errorCode !== code)
          disagreements.push(`${code}: audit ${row?.outcome}/${row?.errorCode} expected ${expected}/${code}`);
      }
      expect(disagreements).toEqual([]);
    },
  );

  it('counts a NOT_FOUND result as a client error, not as an error', async () => {
    const h = harness();
    await h.call('thrown', 'NOT_FOUND');
    const after = await counted(h.metrics);
    expect(after.get('client_error')).toBe(1);
    expect(after.get('error')).toBeUndefined();
    expect(h.rows.at(-1)?.outcome).toBe('client_error');
  });
});
